// A few of the benchmark's conditions (bench/sound.bench.ts), one seed each, through the shipped
// link in either tone plan: the payment request's sound form decoded under coloured noise, room
// acoustics (the benchmark's reverb included), a 44.1 kHz recorder, an overdriven input and a clock
// drift, and a loss (under babble in ggwave's band; a long dropout in the wide plan) reported, not silent.
// Fast enough for every CI run, so a regression in the receiver shows before the benchmark runs.
import { type SoundModem, loadGgwaveModem } from '../modem/ggwave-modem';
import { type TonePlanName, planBandHz, tonePlans } from '../modem/tone-plan';
import { decodeRecording, encodeTransmission } from '../transmission';
import {
  meanPower,
  scaledToSnr,
  withAdded,
  withClockDrift,
  withDropout,
  withWhiteNoise,
} from './audio-conditions';
import { babbleNoise, bandLimited, pinkNoise } from './colored-noise';
import { fixtureSoundForms } from './sound-forms';
import { resampledWindowedSinc, withClipping, withEchoes, withReverb } from './room-and-device';

const rateHz = 48_000;
const { request } = fixtureSoundForms;

describe.each<TonePlanName>(['wide', 'ggwave'])(
  'the %s tone plan under the benchmark’s conditions (one seed each)',
  (planName) => {
    let modem: SoundModem;
    let clean: Float32Array;

    beforeAll(async () => {
      modem = await loadGgwaveModem({ tonePlan: planName });
      clean = encodeTransmission(modem, [{ bytes: request, framesMax: 1 }]).samples;
    });

    afterAll(() => modem.close());

    const withNoise = (noise: Float32Array, snrDb: number) =>
      withAdded(clean, scaledToSnr(noise, { signalPower: meanPower(clean), snrDb }));
    const quietRoom = (samples: Float32Array) =>
      withWhiteNoise(samples, { signalPower: meanPower(clean), snrDb: 20, seed: 1 });
    /** Noise only in the band the plan's tones lie in (ggwave's 1.9–6.4 kHz, the wide plan's 1.9–10.9). */
    const inBand = (noise: Float32Array) =>
      bandLimited(noise, { ...planBandHz(tonePlans[planName]), sampleRateHz: rateHz });

    const decodes: [string, () => Float32Array, number?][] = [
      [
        "pink noise at 0 dB in the tones' band",
        () => withNoise(inBand(pinkNoise(clean.length, 1)), 0),
      ],
      ['babble of six talkers at 0 dB', () => withNoise(babbleNoise(clean.length, { seed: 1 }), 0)],
      [
        'a room: RT60 0.3 s, direct sound 6 dB over the reverberation',
        () => quietRoom(withReverb(clean, { seed: 1, rt60Seconds: 0.3, directToReverberantDb: 6 })),
      ],
      // The benchmark's reverb cell, seed 1: the previous symbols' tails won too many groups for
      // the first pass; the reverb pass (later windows, tails subtracted) decodes it.
      [
        'a room: RT60 0.5 s, as much reverberation as direct sound',
        () => quietRoom(withReverb(clean, { seed: 1, rt60Seconds: 0.5, directToReverberantDb: 0 })),
      ],
      [
        'two echoes (25 ms at −4 dB, 120 ms at −8 dB)',
        () =>
          quietRoom(
            withEchoes(clean, [
              { delaySamples: 1_200, gain: 0.63 },
              { delaySamples: 5_760, gain: 0.4 },
            ]),
          ),
      ],
      [
        'a recorder at 44.1 kHz',
        () => quietRoom(resampledWindowedSinc(clean, rateHz, 44_100)),
        44_100,
      ],
      ['an input overdriven by 18 dB and clipped', () => withClipping(quietRoom(clean), 18)],
      // The benchmark's drift cell: no frame decodes until the drift pass resamples the recording.
      ["a receiver's clock 0.5 % fast", () => quietRoom(withClockDrift(clean, 0.5))],
    ];

    it.each(decodes)('decodes the request under %s', (_name, recording, sampleRateHz = rateHz) => {
      const { messages, failures } = decodeRecording(modem, {
        samples: recording(),
        sampleRateHz,
      });
      expect(failures).toEqual([]);
      expect(messages).toEqual([request]);
    });

    // ggwave's plan loses the request under babble in its band at −10 dB; the wide plan decodes it
    // there (down to −18 dB: its Reed-Solomon bytes are a third of the frame, and speech leaves
    // its upper groups clearer), so its loss is a dropout longer than those bytes cover.
    const losses: Record<TonePlanName, [string, () => Float32Array]> = {
      ggwave: [
        "babble at −10 dB in the tones' band",
        () => withNoise(inBand(babbleNoise(clean.length, { seed: 2 })), -10),
      ],
      wide: [
        'a 400 ms dropout inside it',
        () => quietRoom(withDropout(clean, 0.25 * rateHz, 0.4 * rateHz)),
      ],
    };

    it(`reports the request lost under ${losses[planName][0]}, returns nothing else`, () => {
      const { messages, failures } = decodeRecording(modem, {
        samples: losses[planName][1](),
        sampleRateHz: rateHz,
      });
      expect(messages).toEqual([]);
      expect(failures.map((failure) => failure.code)).toContain('FRAME_UNDECODABLE');
    });
  },
);
