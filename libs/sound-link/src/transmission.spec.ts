// The sound link end to end through ggwave: protocol messages to audio (and WAV files) and back, with
// silence around them, white noise at a stated signal-to-noise ratio, and a receiver whose sample rate
// differs from the sender's.
import { isSoundForm } from '@settle/protocol/sound-form';
import { readProtocolFixture } from '@settle/protocol/testing';
import { decodeWav, encodeWav } from './audio/wav';
import { encodeFixedMessageFrames } from './framing/fixed-frames';
import { encodeMessageFrames } from './framing/frames';
import { fixedFrameSizesBytes } from './limits';
import { type SoundModem, loadGgwaveModem } from './modem/ggwave-modem';
import { decodeRecording, encodeTransmission } from './transmission';
import {
  meanPower,
  mixed,
  withClockDrift,
  withDropout,
  withSilence,
  withWhiteNoise,
} from './testing/audio-conditions';
import { withEchoes } from './testing/room-and-device';
import { fixtureSoundForms } from './testing/sound-forms';

const request = readProtocolFixture('payment-request');
const authorization = readProtocolFixture('consumer-authorization.largest');
const terminalCredential = readProtocolFixture('terminal-credential');
const deviceCredential = readProtocolFixture('device-credential');
// What the link carries now: the sound forms (docs/protocol.md), in fixed-length frames.
const {
  request: requestSound,
  authorization: authorizationSound,
  terminalCredential: terminalCredentialSound,
} = fixtureSoundForms;

/** A quiet room: white noise 20 dB below the clean signal. */
const withRoomNoise = (samples: Float32Array, clean: Float32Array) =>
  withWhiteNoise(samples, { signalPower: meanPower(clean), snrDb: 20, seed: 3 });

let modem: SoundModem;
let modem44k: SoundModem;
let onePass: SoundModem;
let onePassFast: SoundModem;
/** Variable-length frames only (the default before fixed-length frames were). */
let variableOnly: SoundModem;
const logged: string[] = [];

beforeAll(async () => {
  // The fixed-length frames (the default on "audible fastest") for the sound forms, named explicitly.
  modem = await loadGgwaveModem({
    tonePlan: 'ggwave',
    fixedFrameSizesBytes,
    log: (line) => logged.push(line),
  });
  modem44k = await loadGgwaveModem({
    tonePlan: 'ggwave',
    fixedFrameSizesBytes,
    outputSampleRateHz: 44_100,
  });
  onePass = await loadGgwaveModem({ decodeOffsetsSamples: [0], fixedFrameSizesBytes: [] });
  variableOnly = await loadGgwaveModem({ fixedFrameSizesBytes: [] });
  onePassFast = await loadGgwaveModem({ protocol: 'audible-fast', decodeOffsetsSamples: [0] });
});

afterAll(() => {
  modem.close();
  modem44k.close();
  onePass.close();
  onePassFast.close();
  variableOnly.close();
});

describe('sound link through ggwave (audible fastest, four decoding offsets, 48 kHz mono)', () => {
  it('carries a payment request through a 16-bit WAV file, with 1.5 s of silence before and 1 s after', () => {
    const audio = encodeTransmission(modem, [{ bytes: requestSound, framesMax: 1 }]);
    const wav = encodeWav({
      samples: withSilence(audio.samples, 72_000, 48_000),
      sampleRateHz: 48_000,
    });
    const received = decodeRecording(modem, decodeWav(wav));
    expect(received).toEqual({ messages: [requestSound], failures: [], tonePlan: 'ggwave' });
    expect(logged.length).toBeGreaterThan(0); // ggwave's chatter went to the log sink, not to stdout
  });

  it('decodes the largest authorization after white noise at 0 dB SNR (noise as strong as the signal)', () => {
    const audio = encodeTransmission(modem, [{ bytes: authorizationSound, framesMax: 1 }]);
    const samples = withWhiteNoise(withSilence(audio.samples, 24_000, 24_000), {
      signalPower: meanPower(audio.samples),
      snrDb: 0,
      seed: 7,
    });
    expect(decodeRecording(modem, { samples, sampleRateHz: 48_000 })).toEqual({
      messages: [authorizationSound],
      failures: [],
      tonePlan: 'ggwave',
    });
  });

  it('decodes when the receiver runs at 44.1 kHz and the sender at 48 kHz (and noise at 10 dB SNR)', () => {
    // The same transmission as sampled at 44.1 kHz: ggwave's own output resampler makes it, so the
    // receiver's resampling (44.1 → 48 kHz) is checked against an independent implementation.
    const audio = encodeTransmission(modem44k, [{ bytes: authorizationSound, framesMax: 1 }]);
    expect(audio.sampleRateHz).toBe(44_100);
    const samples = withWhiteNoise(withSilence(audio.samples, 22_050, 0), {
      signalPower: meanPower(audio.samples),
      snrDb: 10,
      seed: 11,
    });
    expect(decodeRecording(modem, { samples, sampleRateHz: 44_100 })).toEqual({
      messages: [authorizationSound],
      failures: [],
      tonePlan: 'ggwave',
    });
  });

  it('carries a credential (three fixed-length frames) and a request in one transmission, in order', () => {
    const audio = encodeTransmission(modem, [
      { bytes: terminalCredentialSound, framesMax: 16 },
      { bytes: requestSound, framesMax: 1 },
    ]);
    expect(decodeRecording(modem, audio)).toEqual({
      messages: [terminalCredentialSound, requestSound],
      failures: [],
      tonePlan: 'ggwave',
    });
  });

  it('carries variable-length frames of an old sender next to fixed-length ones, in order', () => {
    const old = encodeTransmission(variableOnly, [{ bytes: terminalCredential, framesMax: 16 }]);
    const now = encodeTransmission(modem, [{ bytes: requestSound, framesMax: 1 }]);
    const samples = new Float32Array(old.samples.length + now.samples.length);
    samples.set(old.samples);
    samples.set(now.samples, old.samples.length);
    expect(decodeRecording(modem, { samples, sampleRateHz: 48_000 })).toEqual({
      messages: [terminalCredential, requestSound],
      failures: [],
      tonePlan: 'ggwave',
    });
  });

  it('reports a fixed-length authorization whose second frame never arrived', () => {
    const [firstFrame] = encodeFixedMessageFrames(authorizationSound)!;
    const samples = withSilence(modem.encodeFixedFrame(firstFrame!), 12_000, 12_000);
    expect(decodeRecording(modem, { samples, sampleRateHz: 48_000 })).toMatchObject({
      messages: [],
      failures: [{ code: 'FRAME_MISSING', missingFragments: { indices: [1], count: 2 } }],
    });
  });

  it('reports a credential whose second frame never arrived', () => {
    const [firstFrame] = encodeMessageFrames(deviceCredential, { framesMax: 16 });
    const samples = withSilence(modem.encodeFrame(firstFrame!), 12_000, 12_000);
    expect(decodeRecording(modem, { samples, sampleRateHz: 48_000 })).toMatchObject({
      messages: [],
      failures: [{ code: 'FRAME_MISSING', missingFragments: { indices: [1], count: 2 } }],
    });
  });

  it('recovers a frame that one decoding pass loses, by decoding from four sample offsets', () => {
    // Seed 1263 at 10 dB: found by search, one of two single-pass losses in 1,500 seeded trials.
    // Variable-length frames as before (the multi-offset passes are for them), 250 ms of silence around.
    const clean = encodeTransmission(variableOnly, [{ bytes: authorization, framesMax: 1 }], {
      edgeSilenceMs: 250,
    }).samples;
    const samples = withWhiteNoise(clean, { signalPower: meanPower(clean), snrDb: 10, seed: 1263 });
    expect(decodeRecording(onePass, { samples, sampleRateHz: 48_000 })).toMatchObject({
      messages: [],
      failures: [{ code: 'FRAME_UNDECODABLE' }],
    });
    expect(decodeRecording(modem, { samples, sampleRateHz: 48_000 })).toEqual({
      messages: [authorization],
      failures: [],
    });
  });

  it('decodes from the other offsets when the first pass heard nothing at all (−10 dB)', () => {
    // Seed 3: the first pass misses the start marker (nothing heard, nothing reported); another
    // window alignment finds it. One of the four −10 dB requests the benchmark lost this way.
    const clean = encodeTransmission(variableOnly, [{ bytes: requestSound, framesMax: 1 }]).samples;
    const samples = withWhiteNoise(clean, { signalPower: meanPower(clean), snrDb: -10, seed: 3 });
    expect(decodeRecording(onePass, { samples, sampleRateHz: 48_000 })).toEqual({
      messages: [],
      failures: [],
    });
    expect(decodeRecording(variableOnly, { samples, sampleRateHz: 48_000 })).toEqual({
      messages: [requestSound],
      failures: [],
    });
  });

  it('reports a variable-length frame it heard but could not decode, instead of looking like silence', () => {
    const clean = encodeTransmission(variableOnly, [{ bytes: request, framesMax: 1 }], {
      edgeSilenceMs: 250,
    }).samples;
    const cutOff = clean.subarray(0, clean.length / 2);
    expect(decodeRecording(modem, { samples: cutOff, sampleRateHz: 48_000 })).toEqual({
      messages: [],
      failures: [
        expect.objectContaining({ code: 'FRAME_UNDECODABLE', atSeconds: expect.closeTo(0.25, 1) }),
      ],
    });
    const muted = withDropout(clean, 48_000, 48_000); // a second of silence inside the frame
    expect(decodeRecording(modem, { samples: muted, sampleRateHz: 48_000 })).toMatchObject({
      messages: [],
      failures: [{ code: 'FRAME_UNDECODABLE' }],
    });
  });

  it('reports a fixed-length frame it heard but could not decode (no start marker: its tones)', () => {
    const clean = encodeTransmission(modem, [{ bytes: requestSound, framesMax: 1 }]).samples;
    const cutOff = clean.subarray(0, clean.length / 2);
    expect(decodeRecording(modem, { samples: cutOff, sampleRateHz: 48_000 })).toEqual({
      messages: [],
      failures: [
        expect.objectContaining({ code: 'FRAME_UNDECODABLE', atSeconds: expect.closeTo(0.05, 1) }),
      ],
    });
    const muted = withDropout(clean, 24_000, 19_200); // 0.4 s of silence inside the frame
    expect(decodeRecording(modem, { samples: muted, sampleRateHz: 48_000 })).toMatchObject({
      messages: [],
      failures: [{ code: 'FRAME_UNDECODABLE' }],
    });
    const drifted = withClockDrift(clean, 2); // beyond the drift the receiver looks for (±1 %)
    expect(decodeRecording(modem, { samples: drifted, sampleRateHz: 48_000 })).toMatchObject({
      messages: [],
      failures: [{ code: 'FRAME_UNDECODABLE' }],
    });
  });

  it('decodes a fixed-length request through a 200 ms dropout (its lost bytes are erasures)', () => {
    const clean = encodeTransmission(modem, [{ bytes: requestSound, framesMax: 1 }]).samples;
    for (const start of [2_400, 20_000, 40_000]) {
      const muted = withRoomNoise(withDropout(clean, start, 9_600), clean);
      expect(decodeRecording(modem, { samples: muted, sampleRateHz: 48_000 }).messages).toEqual([
        requestSound,
      ]);
    }
  });

  it("takes a decoded frame's echo for the frame's own, not for a lost frame; a lost frame after it is still reported", () => {
    // The benchmark's two echoes (25 ms at −4 dB, 170 ms at −8 dB): the last frame's tones ring on
    // for 170 ms after it ends, which the tone detector hears and no decoded frame covered.
    const echoes = [
      { delaySamples: 1_200, gain: 0.63 },
      { delaySamples: 8_160, gain: 0.4 },
    ];
    const credential = encodeTransmission(modem, [
      { bytes: terminalCredentialSound, framesMax: 16 },
    ]).samples;
    const echoed = withRoomNoise(withEchoes(credential, echoes), credential);
    expect(
      decodeRecording(modem, { samples: echoed, sampleRateHz: 48_000 }, { accepts: isSoundForm }),
    ).toEqual({ messages: [terminalCredentialSound], failures: [], tonePlan: 'ggwave' });
    // A request, then an authorization whose first frame (from 1.2 s) a 0.4 s dropout takes away.
    const both = encodeTransmission(modem, [
      { bytes: requestSound, framesMax: 1 },
      { bytes: authorizationSound, framesMax: 1 },
    ]).samples;
    const muted = withRoomNoise(withEchoes(withDropout(both, 72_000, 19_200), echoes), both);
    const { messages, failures } = decodeRecording(
      modem,
      { samples: muted, sampleRateHz: 48_000 },
      { accepts: isSoundForm },
    );
    expect(messages).toEqual([requestSound]);
    expect(failures).toEqual([
      expect.objectContaining({ code: 'FRAME_UNDECODABLE', atSeconds: expect.closeTo(1.25, 1) }),
      expect.objectContaining({
        code: 'FRAME_MISSING',
        missingFragments: { indices: [0], count: 2 },
      }),
    ]);
  });

  it('decodes both senders at once: frames found are taken out and the rest decoded again', () => {
    const ours = encodeTransmission(modem, [{ bytes: authorizationSound, framesMax: 1 }]).samples;
    const theirs = encodeTransmission(modem, [{ bytes: requestSound, framesMax: 1 }]).samples;
    // Their request starts 1.46 s after our authorization, inside its second frame, at the same
    // level: the first demodulation finds only our first frame.
    const both = withRoomNoise(mixed(ours, theirs, 70_000), ours);
    const { messages } = decodeRecording(
      modem,
      { samples: both, sampleRateHz: 48_000 },
      { accepts: isSoundForm },
    );
    expect(messages).toEqual(expect.arrayContaining([authorizationSound, requestSound]));
  });

  it('decodes an old sender on "audible fast", and through a clock drift of +0.2 %', () => {
    const oldSender = encodeTransmission(onePassFast, [{ bytes: request, framesMax: 1 }]);
    expect(decodeRecording(modem, oldSender)).toEqual({ messages: [request], failures: [] });
    const drifted = withClockDrift(
      encodeTransmission(modem, [{ bytes: requestSound, framesMax: 1 }]).samples,
      0.2,
    );
    expect(decodeRecording(modem, { samples: drifted, sampleRateHz: 48_000 })).toEqual({
      messages: [requestSound],
      failures: [],
      tonePlan: 'ggwave',
    });
  });

  it('sends a request in one 39-byte fixed-length frame and an authorization in two', () => {
    expect(encodeFixedMessageFrames(requestSound)!.map((frame) => frame.length)).toEqual([39]);
    expect(encodeFixedMessageFrames(authorizationSound)!.map((frame) => frame.length)).toEqual([
      44, 44,
    ]);
  });

  it('reports bytes the protocol does not recognise instead of returning them (accepts)', () => {
    // What ggwave once let through under babble at 0 dB: a length misread, Reed–Solomon satisfied.
    const misheard = Uint8Array.from(Buffer.from('256f4a0105000405060a0b0c', 'hex'));
    const audio = encodeTransmission(variableOnly, [
      { bytes: misheard, framesMax: 1 },
      { bytes: requestSound, framesMax: 1 },
    ]);
    const everything = decodeRecording(variableOnly, audio);
    expect(everything.messages).toEqual([misheard, requestSound]);
    const received = decodeRecording(variableOnly, audio, { accepts: isSoundForm });
    expect(received.messages).toEqual([requestSound]);
    expect(received.failures).toEqual([
      expect.objectContaining({ code: 'MESSAGE_UNRECOGNISED', atSeconds: expect.any(Number) }),
    ]);
  });

  it('checks sizes instead of letting ggwave truncate', () => {
    expect(() => modem.encodeFrame(new Uint8Array(141).fill(0xa0))).toThrow(
      expect.objectContaining({ code: 'FRAME_TOO_LARGE' }),
    );
    expect(() => encodeTransmission(modem, [{ bytes: terminalCredential, framesMax: 1 }])).toThrow(
      expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' }),
    );
  });

  it('refuses recordings it cannot use', () => {
    expect(() => decodeWav(Uint8Array.of(1, 2, 3))).toThrow(
      expect.objectContaining({ code: 'AUDIO_INVALID' }),
    );
    expect(() =>
      decodeRecording(modem, { samples: new Float32Array(10), sampleRateHz: 8_000 }),
    ).toThrow(expect.objectContaining({ code: 'AUDIO_INVALID' }));
  });
});
