// Test support: noise that is not white — pink noise (a shop's or a street's broadband hum) and
// babble (several people talking at once) — and any noise confined to a frequency band (ggwave's
// tones lie at 1.9–6.4 kHz, so noise there is what hurts). Seeded; scale with `scaledToSnr`.
// Per-sample loops use plain arithmetic: under Jest's sandbox every `Math.*` call is slow.
import { meanPower, seededGaussian, seededRandom } from './audio-conditions';
import { fftInPlace, powerOfTwoAtLeast } from '../audio/fft';

/** ggwave's data tones: bins 40…135 of a 1024-point FFT at 48 kHz (≈ 1.9–6.4 kHz). */
export const ggwaveBandHz = { lowHz: 1_875, highHz: 6_375 } as const;

/** Samples dropped before pink noise starts: the slowest of its filters settles in ≈ 900 samples. */
const pinkWarmUpSamples = 8_192;

/**
 * Pink noise (power spectral density ∝ 1/f, −3 dB per octave), of power ≈ 1 before scaling:
 * seeded white noise through Paul Kellet's refined filter (seven first-order sections, within
 * ±0.05 dB of 1/f above ≈ 10 Hz at 44.1–48 kHz).
 */
export function pinkNoise(length: number, seed: number): Float32Array {
  const white = seededGaussian(seed);
  const output = new Float32Array(length);
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  let b3 = 0;
  let b4 = 0;
  let b5 = 0;
  let b6 = 0;
  for (let index = -pinkWarmUpSamples; index < length; index++) {
    const w = white();
    b0 = 0.99886 * b0 + w * 0.0555179;
    b1 = 0.99332 * b1 + w * 0.0750759;
    b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856;
    b4 = 0.55 * b4 + w * 0.5329522;
    b5 = -0.7616 * b5 - w * 0.016898;
    const pink = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
    // Kellet's sum has a gain of ≈ 3.3 on unit white noise; ≈ 1 after this.
    if (index >= 0) output[index] = pink * 0.3;
  }
  return output;
}

/**
 * The samples with every frequency outside `lowHz`…`highHz` removed (an ideal band-pass by FFT
 * over the whole recording: meant for noise, whose circular wrap-around nobody hears).
 */
export function bandLimited(
  samples: Float32Array,
  band: { lowHz: number; highHz: number; sampleRateHz: number },
): Float32Array {
  const size = powerOfTwoAtLeast(samples.length);
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  re.set(samples);
  fftInPlace(re, im);
  const binHz = band.sampleRateHz / size;
  for (let bin = 0; bin <= size / 2; bin++) {
    const hz = bin * binHz;
    if (hz >= band.lowHz && hz <= band.highHz) continue;
    // Bin k and its mirror N − k: the spectrum of real samples is conjugate-symmetric.
    re[bin] = im[bin] = 0;
    re[(size - bin) % size] = im[(size - bin) % size] = 0;
  }
  fftInPlace(re, im, true);
  return Float32Array.from(re.subarray(0, samples.length));
}

export interface BabbleOptions {
  readonly seed: number;
  readonly sampleRateHz?: number;
  /** People talking at once (each at the same level). */
  readonly talkers?: number;
}

/**
 * Babble: `talkers` speech-like voices summed, of power ≈ 1 before scaling. Each voice is a
 * sequence of syllables (100–300 ms, with 30–250 ms gaps and now and then a pause of up to
 * 0.8 s): a glottal pulse train at the voice's pitch (90–240 Hz, varied per syllable) through
 * three formant resonators in cascade (F1 300–900 Hz, F2 0.9–2.6 kHz, F3 2.3–3.2 kHz, new per
 * syllable), a third of the syllables opening with a fricative (noise around 3–6 kHz), every
 * syllable under an attack-and-release envelope. So: speech's spectrum (most power below 1 kHz,
 * some up to 6 kHz) and its 3–5 Hz modulation.
 */
export function babbleNoise(length: number, options: BabbleOptions): Float32Array {
  const sampleRateHz = options.sampleRateHz ?? 48_000;
  const talkers = options.talkers ?? 6;
  const output = new Float32Array(length);
  for (let talker = 0; talker < talkers; talker++) {
    const voice = speechLikeVoice(length, sampleRateHz, options.seed * 7_919 + talker + 1);
    const gain = (1 / talkers / meanPower(voice)) ** 0.5;
    for (let index = 0; index < length; index++)
      output[index] = output[index]! + voice[index]! * gain;
  }
  return output;
}

/** A two-pole resonator with unit gain at 0 Hz (Klatt's formant resonator). */
class Resonator {
  private readonly a: number;
  private readonly b: number;
  private readonly c: number;
  private y1 = 0;
  private y2 = 0;

  constructor(centreHz: number, bandwidthHz: number, sampleRateHz: number) {
    const radius = Math.exp((-Math.PI * bandwidthHz) / sampleRateHz);
    this.b = 2 * radius * Math.cos((2 * Math.PI * centreHz) / sampleRateHz);
    this.c = -radius * radius;
    this.a = 1 - this.b - this.c;
  }

  next(input: number): number {
    const output = this.a * input + this.b * this.y1 + this.c * this.y2;
    this.y2 = this.y1;
    this.y1 = output;
    return output;
  }
}

function speechLikeVoice(length: number, sampleRateHz: number, seed: number): Float32Array {
  const random = seededRandom(Math.imul(seed, 0x9e3779b1));
  const between = (low: number, high: number) => low + (high - low) * random();
  const samplesOf = (seconds: number) => Math.round(seconds * sampleRateHz);
  const pitchHz = between(90, 240);
  const output = new Float32Array(length);
  // Start anywhere in a syllable's cycle, so voices do not begin together.
  let position = -samplesOf(between(0, 0.4));
  while (position < length) {
    const pause = random() < 0.15 ? between(0.3, 0.8) : between(0.03, 0.25);
    position += samplesOf(pause);
    const fricativeSamples = random() < 0.33 ? samplesOf(between(0.04, 0.1)) : 0;
    const voicedSamples = samplesOf(between(0.1, 0.3));
    const stress = between(0.5, 1);
    if (fricativeSamples > 0)
      writeSyllablePart(output, position, fricativeSamples, 0.35 * stress, () =>
        fricative(sampleRateHz, between(3_000, 6_000), random),
      );
    position += fricativeSamples;
    writeSyllablePart(output, position, voicedSamples, stress, () =>
      vowel(sampleRateHz, pitchHz * between(0.85, 1.15), random),
    );
    position += voicedSamples;
  }
  return output;
}

/** One part of a syllable at `start`, of power `level²`, rising over its first eighth, falling over its last quarter. */
function writeSyllablePart(
  output: Float32Array,
  start: number,
  length: number,
  level: number,
  source: () => () => number,
): void {
  const next = source();
  const part = Float32Array.from({ length }, next);
  const gain = level / (meanPower(part) ** 0.5 || 1);
  const attack = Math.max(1, Math.round(length / 8));
  const release = Math.max(1, Math.round(length / 4));
  for (let index = 0; index < length; index++) {
    const at = start + index;
    if (at < 0 || at >= output.length) continue;
    const remaining = length - index;
    const envelope =
      index < attack ? index / attack : remaining < release ? remaining / release : 1;
    output[at] = output[at]! + part[index]! * gain * envelope;
  }
}

/** A voiced sound: a pulse train at `pitchHz` through three formants drawn for this syllable. */
function vowel(sampleRateHz: number, pitchHz: number, random: () => number): () => number {
  const between = (low: number, high: number) => low + (high - low) * random();
  const formants = [
    new Resonator(between(300, 900), 90, sampleRateHz),
    new Resonator(between(900, 2_600), 120, sampleRateHz),
    new Resonator(between(2_300, 3_200), 180, sampleRateHz),
  ];
  const step = pitchHz / sampleRateHz;
  let phase = random();
  return () => {
    phase += step;
    let pulse = 0;
    if (phase >= 1) {
      phase -= 1;
      pulse = 1;
    }
    return formants.reduce((signal, formant) => formant.next(signal), pulse);
  };
}

/** An unvoiced sound: noise through one broad resonance around `centreHz`. */
function fricative(sampleRateHz: number, centreHz: number, random: () => number): () => number {
  const resonance = new Resonator(centreHz, 1_500, sampleRateHz);
  return () => resonance.next(random() - 0.5);
}
