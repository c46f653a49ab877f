import { decodePaymentRequest, unwrapProtocolResult } from '@settle/protocol';
import {
  encodeConsumerAuthorizationSoundForm,
  encodeDeviceCredentialSoundForm,
  encodePaymentRequestSoundForm,
} from '@settle/protocol/sound-form';
import { readProtocolFixture } from '@settle/protocol/testing';
import { bytesToHex, hexToBytes } from '@settle/crypto';
import { decodeWav, encodeWav } from './audio/wav';
import { type CliIo, runCli } from './cli';
import { loadGgwaveModem } from './modem/ggwave-modem';
import { decodeRecording, encodeTransmission } from './transmission';

function memoryIo(files: Map<string, Uint8Array>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    readFile: (path) => {
      const bytes = files.get(path);
      if (bytes === undefined) throw new Error(`no file ${path}`);
      return bytes;
    },
    writeFile: (path, bytes) => void files.set(path, bytes),
    stdout: (line) => void out.push(line),
    stderr: (line) => void err.push(line),
    nowMs: () => Date.parse('2026-11-28T07:41:00.000Z'),
    randomBytes: (length) => new Uint8Array(length).fill(7),
  };
  return { io, out, err };
}

describe('sound-link CLI', () => {
  it("write-request writes a WAV file that decodes to the request's sound form", async () => {
    const files = new Map<string, Uint8Array>();
    const { io, out } = memoryIo(files);
    const code = await runCli(
      [
        'write-request',
        'out.wav',
        '--merchant-id',
        'mer_4Fd8TnQ2bXz6Yc',
        '--terminal-id',
        'trm_9Kx3PqL7vWm2Ra',
        '--amount',
        '1250',
        '--currency',
        'EUR',
      ],
      io,
    );
    expect(code).toBe(0);
    const written = JSON.parse(out[0]!) as { requestHex: string };
    expect(written).toMatchObject({
      wrote: 'out.wav',
      requestBytes: 116,
      requestSoundFormBytes: 37,
    });
    const requestBytes = hexToBytes(written.requestHex);
    const modem = await loadGgwaveModem();
    const { messages } = decodeRecording(modem, decodeWav(files.get('out.wav')!));
    modem.close();
    expect(messages).toEqual([encodePaymentRequestSoundForm(requestBytes)]);
    expect(unwrapProtocolResult(decodePaymentRequest(requestBytes))).toMatchObject({
      amount: 1250n,
      currency: 'EUR',
      createdAtMs: Date.parse('2026-11-28T07:41:00.000Z'),
      expiresAtMs: Date.parse('2026-11-28T07:43:00.000Z'),
      nonce: new Uint8Array(16).fill(7),
    });
  });

  it('read-authorization prints the authorization, checks it against the request and gives the transaction id', async () => {
    const modem = await loadGgwaveModem();
    const request = readProtocolFixture('payment-request');
    const audio = encodeTransmission(modem, [
      {
        bytes: encodeDeviceCredentialSoundForm(readProtocolFixture('device-credential')),
        framesMax: 16,
      },
      {
        bytes: encodeConsumerAuthorizationSoundForm(
          readProtocolFixture('consumer-authorization'),
          request,
        ),
        framesMax: 1,
      },
    ]);
    modem.close();
    const files = new Map([
      ['in.wav', encodeWav(audio)],
      ['request.hex', new TextEncoder().encode(`${bytesToHex(request)}\n`)],
    ]);
    const { io, out } = memoryIo(files);
    expect(await runCli(['read-authorization', 'in.wav', '--request', 'request.hex'], io)).toBe(0);
    const report = JSON.parse(out[0]!) as Record<string, unknown>;
    expect(report).toMatchObject({
      alg: 'ES256',
      deviceCounter: '4187',
      authorizedAt: '2026-11-28T07:41:12.000Z',
      request: { amount: '1250' },
      authorization: bytesToHex(readProtocolFixture('consumer-authorization')),
    });
    expect(report.signature).toMatch(/^valid/);
    expect(report.transactionId).toMatch(/^txn_[A-Za-z0-9_-]{43}$/);
  });

  it('explains its usage and refuses bad input with an exit code', async () => {
    const { io, err } = memoryIo(new Map());
    expect(await runCli(['transmit'], io)).toBe(2);
    expect(
      await runCli(
        [
          'write-request',
          'x.wav',
          '--merchant-id',
          'm',
          '--terminal-id',
          't',
          '--amount',
          '5',
          '--currency',
          'eur',
        ],
        io,
      ),
    ).toBe(1);
    expect(await runCli(['write-request', 'x.wav', '--colour', 'red'], io)).toBe(2);
    expect(err.join('\n')).toContain('usage:');
    expect(err.join('\n')).toContain('FIELD_INVALID');
  });
});
