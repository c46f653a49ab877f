// The wide tone plan, the default (tone-plan.ts, wide-modulator.ts): twelve tone groups sent by
// the link's own modulator, on bins, as loud as ggwave's six; the sound forms in one frame each;
// through a 200 ms dropout, a second sender, a 44.1 kHz output, clock drift and echoes; lost and
// missing frames reported.
import { isSoundForm } from '@settle/protocol/sound-form';
import { readProtocolFixture } from '@settle/protocol/testing';
import { binPowersOf } from '../audio/fft';
import { encodeFixedMessageFrames } from '../framing/fixed-frames';
import { reedSolomonCheck } from '../framing/reed-solomon';
import { tonePlanDefault } from '../limits';
import { decodeRecording, encodeTransmission } from '../transmission';
import {
  meanPower,
  mixed,
  withClockDrift,
  withDropout,
  withWhiteNoise,
} from '../testing/audio-conditions';
import { withEchoes } from '../testing/room-and-device';
import { fixtureSoundForms } from '../testing/sound-forms';
import { type SoundModem, fixedFrameSamples, loadGgwaveModem } from './ggwave-modem';
import { frameSymbols, planBins, symbolSamples, tonePlans } from './tone-plan';
import { modulateFixedFrame } from './wide-modulator';

const plan = tonePlans.wide;
const {
  request: requestSound,
  authorization: authorizationSound,
  terminalCredential: terminalCredentialSound,
  deviceCredential: deviceCredentialSound,
} = fixtureSoundForms;

const withRoomNoise = (samples: Float32Array, clean: Float32Array) =>
  withWhiteNoise(samples, { signalPower: meanPower(clean), snrDb: 20, seed: 3 });

let modem: SoundModem;
let ggwave: SoundModem;

beforeAll(async () => {
  modem = await loadGgwaveModem();
  ggwave = await loadGgwaveModem({ tonePlan: 'ggwave' });
});

const heard = (samples: Float32Array, sampleRateHz = 48_000) =>
  decodeRecording(modem, { samples, sampleRateHz }, { accepts: isSoundForm });

describe('the wide tone plan', () => {
  it('is the default, and its largest frame with its check bytes fits one Reed-Solomon word', () => {
    expect(tonePlanDefault).toBe('wide');
    expect(modem.tonePlan).toBe(plan);
    const largest = Math.max(...plan.frameSizesBytes);
    expect(largest + plan.checkBytes(largest)).toBeLessThanOrEqual(255);
    expect(plan.frameSizesBytes.every((size) => plan.checkBytes(size) >= 32)).toBe(true);
    expect(planBins(plan)).toEqual({ firstBin: 40, lastBin: 231, count: 192 });
  });

  it("sends each symbol's nibbles exactly on their bins, as loud as ggwave's frame", () => {
    const frame = Uint8Array.from({ length: 39 }, (_, index) => (index * 37 + 11) & 255);
    const samples = modulateFixedFrame(plan, frame, 48_000, 25);
    expect(samples.length).toBe(frameSymbols(plan, 39) * symbolSamples);
    const onAir = [...frame, ...reedSolomonCheck(frame, plan.checkBytes(39))];
    for (const symbol of [0, 5, 11]) {
      // The middle window of the symbol: no fade.
      const powers = binPowersOf(samples, symbol * symbolSamples + 1_024, 1_024, 40, 192);
      for (let group = 0; group < 12; group++) {
        const bins = powers.subarray(group * 16, group * 16 + 16);
        const byte = onAir[symbol * 6 + (group >> 1)]!;
        expect(bins.indexOf(Math.max(...bins))).toBe(group % 2 === 0 ? byte & 0x0f : byte >> 4);
      }
    }
    const ggwaveFrame = ggwave.encodeFixedFrame(frame);
    expect(meanPower(samples) / meanPower(ggwaveFrame)).toBeGreaterThan(0.85);
    expect(meanPower(samples) / meanPower(ggwaveFrame)).toBeLessThan(1.15);
    expect(Math.max(...samples.map(Math.abs))).toBeLessThan(0.35);
  });

  it('sends each sound form in one frame, a repeat checkout in 2.3 s and a first encounter in 7.5 s', () => {
    const sizes = [requestSound, authorizationSound, terminalCredentialSound, deviceCredentialSound]
      .map((form) => encodeFixedMessageFrames(form, plan.frameSizesBytes)!)
      .map((frames) => frames.map((frame) => frame.length));
    expect(sizes).toEqual([[39], [84], [176], [176]]);
    const seconds = (forms: Uint8Array[]) =>
      encodeTransmission(
        modem,
        forms.map((bytes) => ({ bytes, framesMax: 16 })),
      ).samples.length / 48_000;
    expect(seconds([requestSound]) + seconds([authorizationSound])).toBeLessThan(2.3);
    const firstEncounter =
      seconds([terminalCredentialSound, requestSound]) +
      seconds([authorizationSound, deviceCredentialSound]);
    expect(firstEncounter).toBeLessThan(7.5);
  });

  it('carries a credential and a request in one transmission, in order, and from a 44.1 kHz output', async () => {
    const messages = [
      { bytes: terminalCredentialSound, framesMax: 16 },
      { bytes: requestSound, framesMax: 1 },
    ];
    const clean = encodeTransmission(modem, messages).samples;
    expect(heard(withRoomNoise(clean, clean))).toEqual({
      messages: [terminalCredentialSound, requestSound],
      failures: [],
      tonePlan: 'wide',
    });
    const at44k = await loadGgwaveModem({ outputSampleRateHz: 44_100 });
    const audio = encodeTransmission(at44k, messages);
    expect(audio.sampleRateHz).toBe(44_100);
    expect(heard(withRoomNoise(audio.samples, audio.samples), 44_100).messages).toEqual([
      terminalCredentialSound,
      requestSound,
    ]);
  });

  it('takes no run of zero padding for a frame: signed forms (116 and 254 B) in frames of 176 arrive alone', () => {
    // The request's 176-byte frame holds 59 bytes of zero padding, enough for an all-zero 39-byte
    // "frame" once a few bytes are erased: it used to come out as FRAME_MALFORMED beside the messages.
    const signedRequest = readProtocolFixture('payment-request');
    const signedCredential = readProtocolFixture('terminal-credential');
    const clean = encodeTransmission(modem, [
      { bytes: signedCredential, framesMax: 16 },
      { bytes: signedRequest, framesMax: 1 },
    ]).samples;
    expect(decodeRecording(modem, { samples: clean, sampleRateHz: 48_000 })).toEqual({
      messages: [signedCredential, signedRequest],
      failures: [],
      tonePlan: 'wide',
    });
  });

  it('decodes a request through a 200 ms dropout anywhere in it (four symbols: erasures)', () => {
    const clean = encodeTransmission(modem, [{ bytes: requestSound, framesMax: 1 }]).samples;
    const frameSamples = fixedFrameSamples(39, plan);
    for (const start of [2_400, 2_400 + (frameSamples - 9_600) / 2, 2_400 + frameSamples - 9_600]) {
      const muted = withRoomNoise(withDropout(clean, start, 9_600), clean);
      expect(heard(muted)).toEqual({ messages: [requestSound], failures: [], tonePlan: 'wide' });
    }
  });

  it('decodes both senders at once: frames found are taken out and the rest decoded again', () => {
    const ours = encodeTransmission(modem, [{ bytes: authorizationSound, framesMax: 1 }]).samples;
    const theirs = encodeTransmission(modem, [{ bytes: requestSound, framesMax: 1 }]).samples;
    // Their request starts 0.6 s into our authorization, at the same level.
    const both = withRoomNoise(mixed(ours, theirs, 28_800), ours);
    expect(heard(both).messages).toEqual(
      expect.arrayContaining([authorizationSound, requestSound]),
    );
  });

  it('follows a clock drift of ±0.3 % and ±0.5 %, and takes an echo for the frame’s own', () => {
    const clean = encodeTransmission(modem, [{ bytes: requestSound, framesMax: 1 }]).samples;
    for (const percent of [0.3, -0.3, 0.5, -0.5])
      expect(heard(withRoomNoise(withClockDrift(clean, percent), clean))).toEqual({
        messages: [requestSound],
        failures: [],
        tonePlan: 'wide',
      });
    const echoed = withEchoes(clean, [
      { delaySamples: 1_200, gain: 0.63 },
      { delaySamples: 5_760, gain: 0.4 },
    ]);
    expect(heard(withRoomNoise(echoed, clean))).toEqual({
      messages: [requestSound],
      failures: [],
      tonePlan: 'wide',
    });
  });

  it("hears a sender in ggwave's tones too, and answers it in them; ggwave's tones hear the wide plan", () => {
    const request = encodeTransmission(ggwave, [
      { bytes: terminalCredentialSound, framesMax: 16 },
      { bytes: requestSound, framesMax: 1 },
    ]).samples;
    const atPhone = heard(withRoomNoise(request, request));
    expect(atPhone).toEqual({
      messages: [terminalCredentialSound, requestSound],
      failures: [],
      tonePlan: 'ggwave',
    });
    // The phone (wide by default) answers in the plan it was asked in.
    const answer = encodeTransmission(modem, [{ bytes: authorizationSound, framesMax: 1 }], {
      tonePlan: atPhone.tonePlan!,
    });
    expect(answer.samples.length).toBe(
      encodeTransmission(ggwave, [{ bytes: authorizationSound, framesMax: 1 }]).samples.length,
    );
    const atTerminal = decodeRecording(ggwave, answer, { accepts: isSoundForm });
    expect(atTerminal).toEqual({
      messages: [authorizationSound],
      failures: [],
      tonePlan: 'ggwave',
    });
    // And a ggwave-tone receiver hears a wide sender: either side may move first.
    const wide = encodeTransmission(modem, [{ bytes: requestSound, framesMax: 1 }]);
    expect(decodeRecording(ggwave, wide).messages).toEqual([requestSound]);
  });

  it('reports a lost frame from its tones, and a missing frame of a longer message by its index', () => {
    const clean = encodeTransmission(modem, [{ bytes: requestSound, framesMax: 1 }]).samples;
    const lost = heard(withRoomNoise(withDropout(clean, 12_000, 19_200), clean));
    expect(lost.messages).toEqual([]);
    expect(lost.failures.map((failure) => failure.code)).toEqual(['FRAME_UNDECODABLE']);
    // 400 bytes: frames of 176, 176 and 84; the last one muted, then the middle one.
    const long = Uint8Array.from({ length: 400 }, (_, index) => (index * 31 + 7) & 255);
    const frames = encodeFixedMessageFrames(long, plan.frameSizesBytes)!;
    expect(frames.map((frame) => frame.length)).toEqual([176, 176, 84]);
    const audio = encodeTransmission(modem, [{ bytes: long, framesMax: 16 }]).samples;
    const frameSamples = fixedFrameSamples(176, plan);
    const lastFrame = fixedFrameSamples(84, plan);
    const missingOf = (start: number, length: number) =>
      decodeRecording(modem, {
        samples: withRoomNoise(withDropout(audio, start, length), audio),
        sampleRateHz: 48_000,
      })
        .failures.filter((failure) => failure.code === 'FRAME_MISSING')
        .map((failure) => failure.missingFragments);
    expect(missingOf(2_400 + 2 * frameSamples, lastFrame)).toEqual([{ indices: [2], count: 3 }]);
    expect(missingOf(2_400 + frameSamples, frameSamples)).toEqual([{ indices: [1], count: 3 }]);
  });
});
