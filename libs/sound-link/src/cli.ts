// The sound link from the command line (docs/sound-link.md):
//
//   node -r @swc-node/register libs/sound-link/src/cli.ts write-request out.wav \
//     --merchant-id mer_4Fd8TnQ2bXz6Yc --terminal-id trm_9Kx3PqL7vWm2Ra --amount 1250 --currency EUR
//   node -r @swc-node/register libs/sound-link/src/cli.ts read-authorization in.wav [--request request.hex]
//
// It plays and reads the protocol's sound forms (docs/protocol.md), as the apps do: the request
// and a terminal credential go out as sound forms, an authorization and a device credential heard
// are expanded into their signed forms (the authorization needs the request it answers).
// An edge of the system: it reads the clock, the file system and the CSPRNG, and hands them to the
// pure functions of @settle/protocol and this library.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  type ProtocolFailure,
  ProtocolError,
  type ProtocolPublicKey,
  decodePaymentRequest,
  encodePaymentRequest,
  formatTransactionId,
  paymentNonceLengthBytes,
  verifyConsumerAuthorization,
} from '@settle/protocol';
import {
  decodeConsumerAuthorizationSoundForm,
  decodeDeviceCredentialSoundForm,
  encodePaymentRequestSoundForm,
  encodeTerminalCredentialSoundForm,
  expandConsumerAuthorizationSoundForm,
} from '@settle/protocol/sound-form';
import { CryptoError, bytesToHex, hexToBytes } from '@settle/crypto';
import { decodeWav, encodeWav } from './audio/wav';
import { SoundLinkError } from './errors';
import { soundMessageFramesMax } from './limits';
import { loadGgwaveModem } from './modem/ggwave-modem';
import { decodeRecording, encodeTransmission } from './transmission';

/**
 * What the CLI touches outside itself, so that a test can run it in memory.
 *
 * @example
 * ```ts
 * const io: CliIo = { ...nodeCliIo, stdout: (line) => lines.push(line) };
 * ```
 */
export interface CliIo {
  readFile(path: string): Uint8Array;
  writeFile(path: string, bytes: Uint8Array): void;
  stdout(line: string): void;
  stderr(line: string): void;
  nowMs(): number;
  randomBytes(length: number): Uint8Array;
}

/**
 * The real world: files, the process's output streams, the system clock, the CSPRNG.
 *
 * @example
 * ```ts
 * await runCli(process.argv.slice(2), nodeCliIo);
 * ```
 */
export const nodeCliIo: CliIo = {
  readFile: (path) => readFileSync(path),
  writeFile: (path, bytes) => writeFileSync(path, bytes),
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  nowMs: () => Date.now(),
  randomBytes: (length) => new Uint8Array(randomBytes(length)),
};

const usage = `usage:
  cli.ts write-request <out.wav> --merchant-id <id> --terminal-id <id> --amount <minor units> --currency <ISO 4217>
         [--validity-seconds <1-900, default 120>] [--nonce <32 hex digits>] [--now <ISO 8601 time>]
         [--terminal-credential <file of hex>] [--request-out <file>]
  cli.ts read-authorization <in.wav> [--request <file of hex>]`;

const defaultValiditySeconds = 120;

class UsageError extends Error {}

function readHexFile(io: CliIo, path: string): Uint8Array {
  return hexToBytes(new TextDecoder().decode(io.readFile(path)).trim());
}

function describeFailure(failure: ProtocolFailure): string {
  return `${failure.code}${failure.field ? ` at ${failure.field}` : ''}: ${failure.message}`;
}

async function writeRequest(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'merchant-id': { type: 'string' },
      'terminal-id': { type: 'string' },
      amount: { type: 'string' },
      currency: { type: 'string' },
      'validity-seconds': { type: 'string' },
      nonce: { type: 'string' },
      now: { type: 'string' },
      'terminal-credential': { type: 'string' },
      'request-out': { type: 'string' },
    },
  });
  const [out] = positionals;
  const { 'merchant-id': merchantId, 'terminal-id': terminalId, amount, currency } = values;
  if (
    positionals.length !== 1 ||
    out === undefined ||
    !merchantId ||
    !terminalId ||
    !amount ||
    !currency
  )
    throw new UsageError('write-request needs <out.wav> and the four request options');
  if (!/^[1-9][0-9]{0,18}$/.test(amount))
    throw new UsageError('--amount is a positive integer of minor units');
  const createdAtMs = values.now === undefined ? io.nowMs() : Date.parse(values.now);
  if (!Number.isSafeInteger(createdAtMs)) throw new UsageError('--now is an ISO 8601 time');
  const validitySeconds = Number(values['validity-seconds'] ?? defaultValiditySeconds);
  if (!Number.isInteger(validitySeconds) || validitySeconds < 1)
    throw new UsageError('--validity-seconds is a positive integer');
  const nonce =
    values.nonce === undefined ? io.randomBytes(paymentNonceLengthBytes) : hexToBytes(values.nonce);
  const requestBytes = encodePaymentRequest({
    merchantId,
    terminalId,
    amount: BigInt(amount),
    currency,
    nonce,
    createdAtMs,
    expiresAtMs: createdAtMs + validitySeconds * 1000,
  });
  const requestSoundForm = encodePaymentRequestSoundForm(requestBytes);
  const messages = [{ bytes: requestSoundForm, framesMax: 1 }];
  if (values['terminal-credential'] !== undefined) {
    const credential = readHexFile(io, values['terminal-credential']);
    messages.unshift({
      bytes: encodeTerminalCredentialSoundForm(credential),
      framesMax: soundMessageFramesMax,
    });
  }
  const modem = await loadGgwaveModem();
  try {
    const audio = encodeTransmission(modem, messages);
    io.writeFile(out, encodeWav(audio));
    if (values['request-out'] !== undefined)
      io.writeFile(
        values['request-out'],
        new TextEncoder().encode(`${bytesToHex(requestBytes)}\n`),
      );
    io.stdout(
      JSON.stringify({
        wrote: out,
        requestBytes: requestBytes.length,
        requestSoundFormBytes: requestSoundForm.length,
        secondsOnAir: Number((audio.samples.length / audio.sampleRateHz).toFixed(2)),
        requestHex: bytesToHex(requestBytes),
        requestSoundFormHex: bytesToHex(requestSoundForm),
      }),
    );
  } finally {
    modem.close();
  }
  return 0;
}

async function readAuthorization(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { request: { type: 'string' } },
  });
  const [input] = positionals;
  if (positionals.length !== 1 || input === undefined)
    throw new UsageError('read-authorization needs <in.wav>');
  const modem = await loadGgwaveModem();
  let received;
  try {
    received = decodeRecording(modem, decodeWav(io.readFile(input)));
  } finally {
    modem.close();
  }
  for (const failure of received.failures) io.stderr(`sound: ${failure.code}: ${failure.message}`);
  const requestBytes = values.request === undefined ? undefined : readHexFile(io, values.request);
  const deviceKey = received.messages
    .map((bytes) => decodeDeviceCredentialSoundForm(bytes))
    .find((result) => result.ok)?.value?.credential.paymentKey;
  const reports = received.messages
    .map((bytes) => describeAuthorization(bytes, requestBytes, deviceKey))
    .filter((report) => report !== undefined);
  for (const report of reports) io.stdout(JSON.stringify(report));
  if (reports.length === 0) {
    io.stderr(
      `no consumer authorization in ${input} (${received.messages.length} other message(s))`,
    );
    return 1;
  }
  return 0;
}

/**
 * An authorization's sound form as JSON, or `undefined` for another message. With the request it
 * answers, its time; with the payment key of the device credential heard too, its signed form, the
 * signature checked and the transaction id.
 */
function describeAuthorization(
  bytes: Uint8Array,
  requestBytes: Uint8Array | undefined,
  deviceKey: ProtocolPublicKey | undefined,
): Record<string, unknown> | undefined {
  const soundForm = decodeConsumerAuthorizationSoundForm(bytes);
  if (!soundForm.ok) return undefined;
  const { keyIdPrefix, deviceCounter, secondsAfterRequest } = soundForm.value;
  const report: Record<string, unknown> = {
    authorizationSoundForm: bytesToHex(bytes),
    keyIdPrefix: bytesToHex(keyIdPrefix),
    deviceCounter: deviceCounter.toString(),
    secondsAfterRequest,
  };
  if (requestBytes === undefined) return report;
  const request = decodePaymentRequest(requestBytes);
  if (!request.ok) return { ...report, request: describeFailure(request) };
  report.request = {
    ...request.value,
    amount: request.value.amount.toString(),
    nonce: bytesToHex(request.value.nonce),
  };
  report.authorizedAt = new Date(
    request.value.createdAtMs + secondsAfterRequest * 1000,
  ).toISOString();
  if (deviceKey === undefined) return report;
  // The device credential's own signature is not checked here (no processor key is given): this
  // shows the consumer signature over the request, with the key the phone sent.
  const expanded = expandConsumerAuthorizationSoundForm(soundForm.value, {
    requestBytes,
    paymentKey: deviceKey,
  });
  if (!expanded.ok) return { ...report, signature: describeFailure(expanded) };
  const verified = verifyConsumerAuthorization(expanded.value, {
    requestBytes,
    deviceKey,
    algorithms: ['ES256', 'EdDSA'],
    backend: 'native',
  });
  return {
    ...report,
    alg: deviceKey.alg,
    authorization: bytesToHex(expanded.value),
    signature: verified.ok
      ? 'valid (key from the unverified device credential on the recording)'
      : describeFailure(verified),
    ...(verified.ok ? { transactionId: formatTransactionId(verified.value.transactionId) } : {}),
  };
}

/**
 * Runs the CLI; resolves to the exit code (0 done, 1 nothing found or refused, 2 usage).
 *
 * @example
 * ```ts
 * import { nodeCliIo, runCli } from './cli';
 * process.exitCode = await runCli(['read-authorization', 'in.wav'], nodeCliIo);
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (command === 'write-request') return await writeRequest(args, io);
    if (command === 'read-authorization') return await readAuthorization(args, io);
    throw new UsageError(command === undefined ? 'no command' : `unknown command ${command}`);
  } catch (error) {
    // Node's own errors carry a code (checked by shape: under a test sandbox they are of another realm).
    const parseArgsError =
      typeof error === 'object' &&
      error !== null &&
      String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
    if (error instanceof UsageError || parseArgsError || error instanceof CryptoError) {
      io.stderr(`${(error as Error).message}\n${usage}`);
      return 2;
    }
    if (error instanceof SoundLinkError || error instanceof ProtocolError) {
      io.stderr(`${error.code}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), nodeCliIo).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
