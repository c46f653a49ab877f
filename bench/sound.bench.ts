// The sound link under noise and faults: seconds on air per message, frames lost in white noise
// at 0…+20 dB, and a robustness table (condition × message: success/total, silent corruptions, what
// the decoder reported; white, pink and babble noise, reverb, echoes, 44.1 kHz devices, clock drift,
// dropouts, clipping, two senders, Opus and MP3 round trips when ffmpeg is installed, else listed as
// skipped) — the link as shipped (fixed-length frames in the wide tone plan: the link's own twelve
// tone groups, decoded by its own receiver, 50 ms of silence around a transmission), fixed-length
// frames in ggwave's tones (audible fastest: the default until the wide plan), variable-length
// frames and the setting before that (250 ms silences; seconds on air only) and the old one
// (audible fast, one pass), all carrying the sound forms, in the same run.
// Every condition is seeded. Run with `npm run bench -- sound` (or directly:
// `node -r @swc-node/register bench/sound.bench.ts`); BENCH_SCALE=0.1 shortens it;
// SOUND_BENCH_PARTS=air measures only the seconds on air and keeps the rest of the previous results
// file, saying so. Results go to bench/results/sound.{json,md}. docs/sound-link.md, docs/protocol.md.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  encodeConsumerAuthorizationSoundForm,
  encodeDeviceCredentialSoundForm,
  encodePaymentRequestSoundForm,
  encodeTerminalCredentialSoundForm,
  isSoundForm,
} from '@settle/protocol/sound-form';
import { readProtocolFixture } from '@settle/protocol/testing';
import {
  type OutgoingMessage,
  type SoundModem,
  type SoundProtocol,
  type TonePlan,
  type TonePlanName,
  type TransmissionOptions,
  decodeRecording,
  encodeFixedMessageFrames,
  encodeMessageFrames,
  encodeTransmission,
  fixedFrameSamples,
  loadGgwaveModem,
  planBandHz,
  soundMessageFramesMax,
  tonePlans,
  variableFrameSamples,
} from '@settle/sound-link';
import {
  meanPower,
  mixed,
  scaledToSnr,
  seededRandom,
  withAdded,
  withClockDrift,
  withDropout,
  withWhiteNoise,
} from '../libs/sound-link/src/testing/audio-conditions';
import {
  type LossyCodec,
  codecRoundTrip,
  codecsUnavailableReason,
  mp3,
  opusVoice,
} from '../libs/sound-link/src/testing/codec-round-trip';
import { babbleNoise, bandLimited, pinkNoise } from '../libs/sound-link/src/testing/colored-noise';
import {
  resampledWindowedSinc,
  withClipping,
  withEchoes,
  withReverb,
} from '../libs/sound-link/src/testing/room-and-device';
import { soundFigures } from './report/headline';
import { writeResults } from './results';

const scale = Number(process.env.BENCH_SCALE ?? '1');
/**
 * The shipped setting over 4,000 messages, one frame each (the target is ≤ 1 frame lost in 2,000),
 * the others over 800.
 */
const shippedFrameLossSeeds = Math.max(2, Math.round(800 * scale));
const frameLossSeeds = Math.max(2, Math.round(160 * scale));
const robustnessSeeds = Math.max(2, Math.round(20 * scale));
const frameLossSnrsDb = [0, 5, 10, 15, 20];
const noiseOnlySeconds = Math.max(10, Math.round(120 * scale));
const rateHz = 48_000;

const fixtures = {
  request: readProtocolFixture('payment-request'),
  authorization: readProtocolFixture('consumer-authorization.largest'),
  terminalCredential: readProtocolFixture('terminal-credential'),
  deviceCredential: readProtocolFixture('device-credential'),
};

/** What goes over sound (docs/protocol.md, "Sound forms"): the same structures, expanded back by the receiver. */
const soundForms: typeof fixtures = {
  request: encodePaymentRequestSoundForm(fixtures.request),
  // The largest authorization (64-bit counter), as in the signed-form rows; a typical one is 74 bytes.
  authorization: encodeConsumerAuthorizationSoundForm(
    fixtures.authorization,
    readProtocolFixture('payment-request.largest'),
  ),
  terminalCredential: encodeTerminalCredentialSoundForm(fixtures.terminalCredential),
  deviceCredential: encodeDeviceCredentialSoundForm(fixtures.deviceCredential),
};
const typicalAuthorization = encodeConsumerAuthorizationSoundForm(
  readProtocolFixture('consumer-authorization'),
  fixtures.request,
);
const parts = process.env.SOUND_BENCH_PARTS === 'air' ? 'air' : 'all';

interface LinkSetting {
  readonly name: string;
  readonly protocol: SoundProtocol;
  readonly decodeOffsetsSamples: readonly number[];
  /** `[]`: variable-length frames only. */
  readonly fixedFrameSizesBytes?: readonly number[];
  readonly tonePlan?: TonePlanName;
  readonly transmission: TransmissionOptions;
}

const shipped: LinkSetting = {
  name: 'wide tone plan, fixed-length frames, 50 ms edges (shipped)',
  protocol: 'audible-fastest',
  decodeOffsetsSamples: [0, 256, 512, 768],
  tonePlan: 'wide',
  transmission: {},
};
const ggwaveTones: LinkSetting = {
  name: "ggwave's audible fastest tones, fixed-length frames, 50 ms edges (ggwave tones)",
  protocol: 'audible-fastest',
  decodeOffsetsSamples: [0, 256, 512, 768],
  tonePlan: 'ggwave',
  transmission: {},
};
const variableFrames: LinkSetting = {
  name: 'audible fastest, variable-length frames, 4 offsets after a loss, 50 ms edges (variable)',
  protocol: 'audible-fastest',
  decodeOffsetsSamples: [0, 256, 512, 768],
  fixedFrameSizesBytes: [],
  transmission: {},
};
const previous: LinkSetting = {
  name: 'audible fastest, variable-length frames, 250 ms silences (before)',
  protocol: 'audible-fastest',
  decodeOffsetsSamples: [0, 256, 512, 768],
  fixedFrameSizesBytes: [],
  transmission: { edgeSilenceMs: 250, interFrameSilenceMs: 250 },
};
const baseline: LinkSetting = {
  name: 'audible fast, 1 pass (old)',
  protocol: 'audible-fast',
  decodeOffsetsSamples: [0],
  fixedFrameSizesBytes: [],
  transmission: { edgeSilenceMs: 250, interFrameSilenceMs: 250 },
};

const sameBytes = (left: Uint8Array, right: Uint8Array) =>
  left.length === right.length && left.every((byte, index) => byte === right[index]);

/** A modem and the transmission options of one setting. */
interface Link {
  readonly setting: LinkSetting;
  readonly modem: SoundModem;
}

function transmit(link: Link, messages: readonly OutgoingMessage[]): Float32Array {
  return encodeTransmission(link.modem, messages, link.setting.transmission).samples;
}

function seconds(link: Link, messages: readonly OutgoingMessage[]): number {
  return Math.round((transmit(link, messages).length / rateHz) * 1000) / 1000;
}

const single = (bytes: Uint8Array) => ({ bytes, framesMax: 1 });
const multi = (bytes: Uint8Array) => ({ bytes, framesMax: soundMessageFramesMax });

function airTimes(link: Link, forms: typeof fixtures) {
  const request = seconds(link, [single(forms.request)]);
  const authorization = seconds(link, [single(forms.authorization)]);
  const terminalCredential = seconds(link, [multi(forms.terminalCredential)]);
  const deviceCredential = seconds(link, [multi(forms.deviceCredential)]);
  // One transmission each way: the terminal's credential with its request, the phone's with its authorization.
  const firstEncounter =
    seconds(link, [multi(forms.terminalCredential), single(forms.request)]) +
    seconds(link, [single(forms.authorization), multi(forms.deviceCredential)]);
  return {
    bytes: {
      request: forms.request.length,
      authorization: forms.authorization.length,
      terminalCredential: forms.terminalCredential.length,
      deviceCredential: forms.deviceCredential.length,
    },
    messages: { request, authorization, terminalCredential, deviceCredential },
    repeatCheckoutSeconds: Math.round((request + authorization) * 1000) / 1000,
    firstEncounterSeconds: Math.round(firstEncounter * 1000) / 1000,
  };
}

/** What one decoding of one trial showed. */
interface Outcome {
  readonly received: boolean;
  /** Another message that was sent (the other sender's) came out instead. */
  readonly receivedOther: boolean;
  readonly corrupted: boolean;
  readonly codes: readonly string[];
  /** Frames the decoder named as missing from a message it heard part of (`FRAME_MISSING`). */
  readonly framesMissing: number;
}

/** As a phone or a terminal receives: only well-formed sound forms are messages (`isSoundForm`). */
const receiving = { accepts: isSoundForm };

function decodeTrial(
  modem: SoundModem,
  samples: Float32Array,
  sampleRateHz: number,
  expected: Uint8Array,
  alsoSent: readonly Uint8Array[] = [],
): Outcome {
  const { messages, failures } = decodeRecording(modem, { samples, sampleRateHz }, receiving);
  const sent = [expected, ...alsoSent];
  return {
    received: messages.some((message) => sameBytes(message, expected)),
    receivedOther: messages.some(
      (message) =>
        !sameBytes(message, expected) && alsoSent.some((original) => sameBytes(message, original)),
    ),
    corrupted: messages.some((message) => !sent.some((original) => sameBytes(message, original))),
    codes: failures.map((failure) => failure.code),
    framesMissing: failures.reduce(
      (total, failure) => total + (failure.missingFragments?.indices.length ?? 0),
      0,
    ),
  };
}

/**
 * Messages and frames lost: one authorization (sound form, 82 B: two fixed-length frames or one
 * variable) per seed and SNR. A lost message's frames count as lost unless the decoder named only
 * some of them missing.
 */
function frameLoss(links: readonly Link[]) {
  const seedsOf = (link: Link) =>
    link.setting === shipped ? shippedFrameLossSeeds : frameLossSeeds;
  return links.map((link) => {
    const framesPerMessage = framesOf(link, soundForms.authorization).length;
    const tally = { lost: 0, framesLost: 0, corrupted: 0, reported: 0, messages: 0 };
    const clean = transmit(link, [single(soundForms.authorization)]);
    for (const snrDb of frameLossSnrsDb) {
      for (let seed = 1; seed <= seedsOf(link); seed++) {
        const samples = withWhiteNoise(clean, {
          signalPower: meanPower(clean),
          snrDb,
          seed: seed * 1_000 + snrDb,
        });
        const outcome = decodeTrial(link.modem, samples, rateHz, soundForms.authorization);
        tally.messages++;
        if (!outcome.received) {
          tally.lost++;
          tally.framesLost += outcome.framesMissing || framesPerMessage;
        }
        if (!outcome.received && outcome.codes.length > 0) tally.reported++;
        if (outcome.corrupted) tally.corrupted++;
      }
    }
    const frames = tally.messages * framesPerMessage;
    return {
      setting: link.setting.name,
      ...tally,
      framesPerMessage,
      frames,
      /** Per message; per frame for one-frame messages (the shipped setting). */
      lossRate: tally.lost / tally.messages,
      frameLossRate: tally.framesLost / frames,
    };
  });
}

/** Positions drawn per seed; the seed is spread first, as xorshift's first draws from 1, 2, 3 … are all near 0. */
const spreadRandom = (seed: number) => seededRandom(Math.imul(seed, 0x9e3779b1));

/** The frames a setting sends a message in, and so the samples its first frame takes. */
function framesOf(link: Link, message: Uint8Array): { fixed: boolean; bytes: Uint8Array }[] {
  const fixed =
    link.modem.fixedFrameSizesBytes.length > 0
      ? encodeFixedMessageFrames(message, link.modem.tonePlan.frameSizesBytes)
      : undefined;
  return fixed !== undefined
    ? fixed.map((bytes) => ({ fixed: true, bytes }))
    : encodeMessageFrames(message, { framesMax: soundMessageFramesMax }).map((bytes) => ({
        fixed: false,
        bytes,
      }));
}

function firstFrameSpan(link: Link, message: Uint8Array): { start: number; length: number } {
  const [first] = framesOf(link, message);
  const length = first!.fixed
    ? fixedFrameSamples(first!.bytes.length, link.modem.tonePlan)
    : variableFrameSamples(first!.bytes.length, link.setting.protocol);
  return { start: ((link.setting.transmission.edgeSilenceMs ?? 50) * rateHz) / 1000, length };
}

interface Condition {
  readonly name: string;
  /**
   * The received recording of a clean transmission whose first frame lies at `first`, sent in
   * `plan`'s tones (ggwave's for variable-length frames).
   */
  apply(
    clean: Float32Array,
    seed: number,
    other: Float32Array,
    first: { start: number; length: number },
    plan: TonePlan,
  ): Float32Array;
  /** The rate `apply`'s recording is at (default 48 kHz). */
  readonly sampleRateHz?: number;
  /** Why the condition cannot run on this machine (it is listed as skipped). */
  readonly unavailable?: string;
}

const noisy = (
  samples: Float32Array,
  snrDb: number,
  seed: number,
  signal: Float32Array = samples,
) => withWhiteNoise(samples, { signalPower: meanPower(signal), snrDb, seed });

/** Every condition but noise itself adds white noise at +20 dB: a quiet room, not a silent one. */
const withRoomNoise = (samples: Float32Array, seed: number, clean: Float32Array) =>
  noisy(samples, 20, seed, clean);

/**
 * One result per clean recording, computed once: the deterministic part of a condition (a
 * resampling) is the same for every seed of a cell.
 */
function oncePerRecording(
  transform: (clean: Float32Array) => Float32Array,
): (clean: Float32Array) => Float32Array {
  const results = new WeakMap<Float32Array, Float32Array>();
  return (clean) => {
    const cached = results.get(clean) ?? transform(clean);
    results.set(clean, cached);
    return cached;
  };
}

/** Seconds of pink noise or babble a condition makes once and draws its segments from. */
const noiseBedSeconds = 60;

/**
 * Noise of another colour at `snrDb` over the whole band or, `inBand`, only the band the
 * setting's tones lie in (ggwave's 1.9–6.4 kHz; the wide plan's 1.9–10.9 kHz): as speech-in-noise
 * tests use a long noise recording, each seed takes the segment of a 60 s seeded noise bed that
 * starts at an offset drawn from it (making the noise per trial would cost more than decoding it).
 */
function colouredNoise(
  name: string,
  generate: (length: number, seed: number) => Float32Array,
  snrDb: number,
  inBand: boolean,
): Condition {
  const beds = new Map<string, Float32Array>();
  const noiseBed = (plan: TonePlan) => {
    const noise = generate(noiseBedSeconds * rateHz, 1);
    return inBand ? bandLimited(noise, { ...planBandHz(plan), sampleRateHz: rateHz }) : noise;
  };
  return {
    name: `${name} ${snrDb} dB, ${inBand ? "in the tones' band (ggwave's 1.9–6.4 kHz, wide 1.9–10.9 kHz)" : 'whole band'}`,
    apply: (clean, seed, _other, _first, plan) => {
      const key = inBand ? plan.name : 'whole';
      const bed = beds.get(key) ?? noiseBed(plan);
      beds.set(key, bed);
      const offset = Math.floor(spreadRandom(seed)() * (bed.length - clean.length));
      const segment = bed.subarray(offset, offset + clean.length);
      return withAdded(clean, scaledToSnr(segment, { signalPower: meanPower(clean), snrDb }));
    },
  };
}

const pinkNoiseConditions = [false, true].map((inBand) =>
  colouredNoise('pink noise', pinkNoise, 0, inBand),
);
const babbleConditions = [false, true].map((inBand) =>
  colouredNoise(
    'babble (6 talkers)',
    (length, seed) => babbleNoise(length, { seed, sampleRateHz: rateHz, talkers: 6 }),
    0,
    inBand,
  ),
);

const reverb: Condition = {
  name: 'reverb: RT60 0.5 s, direct-to-reverberant 0 dB (a new room per seed)',
  apply: (clean, seed) =>
    withRoomNoise(
      withReverb(clean, { seed, rt60Seconds: 0.5, directToReverberantDb: 0 }),
      seed,
      clean,
    ),
};

const twoEchoes: Condition = {
  name: 'two echoes: 10–60 ms at −4 dB and 60–200 ms at −8 dB (delays drawn per seed)',
  apply: (clean, seed) => {
    const random = spreadRandom(seed);
    const delay = (lowMs: number, highMs: number) =>
      Math.round(((lowMs + (highMs - lowMs) * random()) * rateHz) / 1000);
    const echoes = [
      { delaySamples: delay(10, 60), gain: 0.63 },
      { delaySamples: delay(60, 200), gain: 0.4 },
    ];
    return withRoomNoise(withEchoes(clean, echoes), seed, clean);
  },
};

const at44k = oncePerRecording((clean) => resampledWindowedSinc(clean, rateHz, 44_100));
const through44k = oncePerRecording((clean) => resampledWindowedSinc(at44k(clean), 44_100, rateHz));
const resamplingConditions: Condition[] = [
  {
    name: 'recorded at 44.1 kHz (48 → 44.1 kHz by the recorder, back to 48 kHz by the receiver)',
    sampleRateHz: 44_100,
    apply: (clean, seed) => withRoomNoise(at44k(clean), seed, clean),
  },
  {
    name: 'played through a 44.1 kHz output (48 → 44.1 → 48 kHz before the receiver)',
    apply: (clean, seed) => withRoomNoise(through44k(clean), seed, clean),
  },
];

const driftConditions: Condition[] = [0.1, -0.1, 0.2, -0.2, 0.3, -0.3, 0.5, -0.5].map(
  (percent) => ({
    name: `clock drift ${percent > 0 ? '+' : '−'}${Math.abs(percent)} % (and +20 dB noise)`,
    apply: (clean: Float32Array, seed: number) =>
      withRoomNoise(withClockDrift(clean, percent), seed, clean),
  }),
);

const dropoutConditions: Condition[] = [100, 200].map((dropoutMs) => ({
  name: `${dropoutMs} ms dropout inside the first frame`,
  apply: (
    clean: Float32Array,
    seed: number,
    _other: Float32Array,
    first: { start: number; length: number },
  ) => {
    // Anywhere inside the first frame (markers included for a variable-length one).
    const dropoutSamples = (rateHz * dropoutMs) / 1000;
    const start = first.start + Math.floor(spreadRandom(seed)() * (first.length - dropoutSamples));
    return withRoomNoise(withDropout(clean, start, dropoutSamples), seed, clean);
  },
}));

/**
 * A speaker or microphone that carries only 0.3–7 kHz (a small speaker, or a wideband voice codec:
 * AMR-WB's band): the wide plan's upper groups (7–10.9 kHz) are lost, ggwave's tones are not. A
 * terminal with such hardware sends in ggwave's tones and is answered in them (docs/sound-link.md,
 * "Tone plans"); this cell shows what the wide plan alone does there.
 */
const bandLimitedDevice: Condition = {
  name: 'a device that carries only 0.3–7 kHz (small speaker; AMR-WB’s band)',
  apply: (clean, seed) =>
    withRoomNoise(
      bandLimited(clean, { lowHz: 300, highHz: 7_000, sampleRateHz: rateHz }),
      seed,
      clean,
    ),
};

const clipping: Condition = {
  name: 'clipping: +18 dB of gain, then hard-clipped at full scale',
  // The room's noise reaches the microphone before the overdriven input stage.
  apply: (clean, seed) => withClipping(withRoomNoise(clean, seed, clean), 18),
};

const overlapping: Condition = {
  name: 'two overlapping transmissions (the other starts from 1 s before to 1 s after, same level)',
  apply: (clean, seed, other) => {
    const random = spreadRandom(seed);
    const offsetSamples = Math.floor(rateHz * (random() * 2 - 1));
    return withRoomNoise(
      offsetSamples >= 0 ? mixed(clean, other, offsetSamples) : mixed(other, clean, -offsetSamples),
      seed,
      clean,
    );
  },
};

const codecsUnavailable = codecsUnavailableReason();
const codecConditions: Condition[] = [opusVoice, mp3].map((codec: LossyCodec) => ({
  name: `${codec.name} round trip (ffmpeg)`,
  ...(codecsUnavailable === undefined ? {} : { unavailable: codecsUnavailable }),
  apply: (clean: Float32Array, seed: number) =>
    codecRoundTrip(withRoomNoise(clean, seed, clean), codec, rateHz),
}));

const conditions: readonly Condition[] = [
  ...[10, 0, -5, -10].map((snrDb) => ({
    name: `white noise ${snrDb > 0 ? '+' : snrDb < 0 ? '−' : ''}${Math.abs(snrDb)} dB`,
    apply: (clean: Float32Array, seed: number) => noisy(clean, snrDb, seed),
  })),
  ...pinkNoiseConditions,
  ...babbleConditions,
  reverb,
  twoEchoes,
  ...resamplingConditions,
  ...driftConditions,
  ...dropoutConditions,
  bandLimitedDevice,
  clipping,
  overlapping,
  ...codecConditions,
];

const robustnessMessages = [
  { name: 'payment request (sound form, 37 B)', bytes: soundForms.request },
  { name: 'terminal credential (sound form, 169 B)', bytes: soundForms.terminalCredential },
];

function robustnessCell(link: Link, condition: Condition, message: Uint8Array) {
  const clean = transmit(link, [multi(message)]);
  // The other sender: another phone's authorization, on the same setting.
  const other = transmit(link, [single(soundForms.authorization)]);
  const first = firstFrameSpan(link, message);
  const plan = link.modem.fixedFrameSizesBytes.length > 0 ? link.modem.tonePlan : tonePlans.ggwave;
  let success = 0;
  let silentCorruptions = 0;
  let silentFailures = 0;
  const reported: Record<string, number> = {};
  for (let seed = 1; seed <= robustnessSeeds; seed++) {
    const outcome = decodeTrial(
      link.modem,
      condition.apply(clean, seed, other, first, plan),
      condition.sampleRateHz ?? rateHz,
      message,
      [soundForms.authorization],
    );
    if (outcome.received) success++;
    if (outcome.corrupted) silentCorruptions++;
    if (!outcome.received && !outcome.receivedOther && outcome.codes.length === 0) silentFailures++;
    const seen = [
      ...new Set(outcome.codes),
      ...(outcome.received || !outcome.receivedOther ? [] : ["the other sender's message"]),
    ];
    for (const what of seen) reported[what] = (reported[what] ?? 0) + 1;
  }
  return { success, total: robustnessSeeds, silentCorruptions, silentFailures, reported };
}

/** The conditions this run measures: those `SOUND_BENCH_CONDITIONS` names, if set. */
const selectedConditions = conditions.filter(
  (condition) =>
    process.env.SOUND_BENCH_CONDITIONS === undefined ||
    condition.name.includes(process.env.SOUND_BENCH_CONDITIONS),
);

function robustness(links: readonly Link[]) {
  return selectedConditions
    .filter((condition) => condition.unavailable === undefined)
    .flatMap((condition) => {
      const started = performance.now();
      const rows = robustnessMessages.flatMap((message) =>
        links.map((link) => ({
          condition: condition.name,
          message: message.name,
          setting: link.setting.name,
          ...robustnessCell(link, condition, message.bytes),
        })),
      );
      console.error(`${condition.name}: ${Math.round((performance.now() - started) / 1000)} s`);
      return rows;
    });
}

/** Conditions this machine cannot run (the codecs without ffmpeg), and why. */
const skippedConditions = selectedConditions.flatMap((condition) =>
  condition.unavailable === undefined
    ? []
    : [{ condition: condition.name, reason: condition.unavailable }],
);

/** Noise alone: any message or failure reported is a false alarm. */
function noiseOnly(links: readonly Link[]) {
  const samples = withWhiteNoise(new Float32Array(noiseOnlySeconds * rateHz), {
    signalPower: 0.01,
    snrDb: 0,
    seed: 99,
  });
  return links.map((link) => {
    const { messages, failures } = decodeRecording(
      link.modem,
      { samples, sampleRateHz: rateHz },
      receiving,
    );
    return {
      setting: link.setting.name,
      seconds: noiseOnlySeconds,
      falseMessages: messages.length,
      falseFailures: failures.length,
    };
  });
}

/** Receiving CPU: milliseconds per second of audio, for a clean repeat checkout (median of 5). */
function receiveCost(link: Link): number {
  const samples = transmit(link, [single(soundForms.request), single(soundForms.authorization)]);
  const runs = Array.from({ length: 5 }, () => {
    const started = performance.now();
    decodeRecording(link.modem, { samples, sampleRateHz: rateHz }, receiving);
    return performance.now() - started;
  }).sort((left, right) => left - right);
  return Math.round(runs[2]! / (samples.length / rateHz));
}

/** The parts a timing-only run does not measure, from the previous results file (with its date). */
function previousResults(): {
  measuredAt: string;
  frameLoss: ReturnType<typeof frameLoss>;
  robustness: ReturnType<typeof robustness>;
  robustnessSkipped: typeof skippedConditions;
  noiseOnly: ReturnType<typeof noiseOnly>;
} {
  const file = path.join(__dirname, 'results', 'sound.json');
  if (!existsSync(file))
    throw new Error('SOUND_BENCH_PARTS=air needs a previous bench/results/sound.json');
  const previousFile = JSON.parse(readFileSync(file, 'utf8')) as {
    measuredAt: string;
    carriedOver?: { from: string };
    frameLoss: { rows: ReturnType<typeof frameLoss> };
    robustness: ReturnType<typeof robustness>;
    robustnessSkipped?: typeof skippedConditions;
    noiseOnly: ReturnType<typeof noiseOnly>;
  };
  return {
    measuredAt: previousFile.carriedOver?.from ?? previousFile.measuredAt,
    frameLoss: previousFile.frameLoss.rows,
    robustness: previousFile.robustness,
    robustnessSkipped: previousFile.robustnessSkipped ?? [],
    noiseOnly: previousFile.noiseOnly,
  };
}

async function load(setting: LinkSetting): Promise<Link> {
  const modem = await loadGgwaveModem({
    protocol: setting.protocol,
    decodeOffsetsSamples: setting.decodeOffsetsSamples,
    ...(setting.tonePlan === undefined ? {} : { tonePlan: setting.tonePlan }),
    ...(setting.fixedFrameSizesBytes === undefined
      ? {}
      : { fixedFrameSizesBytes: setting.fixedFrameSizesBytes }),
  });
  return { setting, modem };
}

const percent = (rate: number) => `${(rate * 100).toFixed(2)} %`;

function airMarkdown(air: {
  shipped: ReturnType<typeof airTimes>;
  ggwaveTones: ReturnType<typeof airTimes>;
  variable: ReturnType<typeof airTimes>;
  previous: ReturnType<typeof airTimes>;
  signedFastest: ReturnType<typeof airTimes>;
  baseline: ReturnType<typeof airTimes>;
  typicalRepeat: number;
}): string[] {
  const names = Object.keys(air.shipped.messages) as (keyof typeof air.shipped.messages)[];
  return [
    '## Seconds on air',
    '',
    "Sound forms (docs/protocol.md). Shipped: fixed-length frames in the wide tone plan (twelve tone groups, 6 bytes per 64 ms symbol, ≥ 32 Reed-Solomon bytes a frame), back to back, 50 ms of silence before and after a transmission. ggwave tones: the same frames in ggwave's audible fastest tones (six groups, 3 bytes per symbol; the default until the wide plan). Variable: variable-length frames (the default until fixed-length frames), 50 ms edges, 250 ms around each frame inside a transmission. Before: variable-length frames with 250 ms of silence before, between and after frames. The authorization is the largest (64-bit counter, 82 B); a typical one is 74 B.",
    '',
    '| message | sound form: bytes | shipped: wide, fixed-length, 50 ms edges | ggwave tones, fixed-length, 50 ms edges | variable-length, 50 ms edges | before: variable, 250 ms | signed form: bytes | signed form, fastest, 250 ms | signed form, fast (old) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...names.map(
      (name) =>
        `| ${name} | ${air.shipped.bytes[name]} | ${air.shipped.messages[name]} | ${air.ggwaveTones.messages[name]} | ${air.variable.messages[name]} | ${air.previous.messages[name]} | ${air.signedFastest.bytes[name]} | ${air.signedFastest.messages[name]} | ${air.baseline.messages[name]} |`,
    ),
    `| repeat checkout: request + authorization | | **${air.shipped.repeatCheckoutSeconds}** (typical authorization: ${air.typicalRepeat}) | ${air.ggwaveTones.repeatCheckoutSeconds} | ${air.variable.repeatCheckoutSeconds} | ${air.previous.repeatCheckoutSeconds} | | ${air.signedFastest.repeatCheckoutSeconds} | ${air.baseline.repeatCheckoutSeconds} |`,
    `| first encounter: credential + request, authorization + credential | | **${air.shipped.firstEncounterSeconds}** | ${air.ggwaveTones.firstEncounterSeconds} | ${air.variable.firstEncounterSeconds} | ${air.previous.firstEncounterSeconds} | | ${air.signedFastest.firstEncounterSeconds} | ${air.baseline.firstEncounterSeconds} |`,
  ];
}

function lossMarkdown(loss: ReturnType<typeof frameLoss>): string[] {
  // With no loss seen, the rule of three: fewer than 3 in n is what n trials show at 95 %.
  const bound = (row: (typeof loss)[number]) =>
    row.framesLost === 0 ? ` (95 % bound: < ${percent(3 / row.frames)})` : '';
  return [
    `## Frames lost in white noise (authorization sound form, 82 B; ${frameLossSnrsDb.join('/')} dB SNR × ${shippedFrameLossSeeds} seeds shipped, ${frameLossSeeds} others)`,
    '',
    'Target: ≤ 1 frame lost in 2,000 (0.05 %). A lost message counts all its frames lost unless the decoder named only some missing.',
    '',
    '| setting | frames sent | frames lost | frame loss rate | messages (frames each) | messages lost | lost but reported | silent corruptions |',
    '|---|---|---|---|---|---|---|---|',
    ...loss.map(
      (row) =>
        `| ${row.setting} | ${row.frames} | ${row.framesLost} | ${percent(row.frameLossRate)}${bound(row)} | ${row.messages} (${row.framesPerMessage}) | ${row.lost} | ${row.reported} | ${row.corrupted} |`,
    ),
  ];
}

const reportedText = (reported: Record<string, number>) =>
  Object.entries(reported)
    .map(([code, count]) => `${code} ${count}`)
    .join(', ') || '—';

/** The shipped setting's rows on their own (the full table below has every setting). */
function shippedRobustnessMarkdown(rows: ReturnType<typeof robustness>): string[] {
  return [
    `## Robustness of the shipped setting (${robustnessSeeds} seeds per cell)`,
    '',
    '| condition | message | success | silent corruptions | failed without a report | reported (trials) |',
    '|---|---|---|---|---|---|',
    ...rows
      .filter((row) => row.setting === shipped.name)
      .map(
        (row) =>
          `| ${row.condition} | ${row.message} | ${row.success}/${row.total} | ${row.silentCorruptions} | ${row.silentFailures} | ${reportedText(row.reported)} |`,
      ),
  ];
}

function robustnessMarkdown(
  rows: ReturnType<typeof robustness>,
  skipped: readonly { condition: string; reason: string }[],
): string[] {
  return [
    `## Robustness, every setting (${robustnessSeeds} seeds per cell; every condition but noise adds white noise at +20 dB)`,
    '',
    ...(skipped.length === 0
      ? []
      : [
          `Skipped: ${skipped.map((each) => `${each.condition} — ${each.reason}`).join('; ')} (Debian's \`ffmpeg\` package runs them).`,
          '',
        ]),
    '| condition | message | setting | success | silent corruptions | failed without a report (nothing heard) | reported (trials) |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.condition} | ${row.message} | ${row.setting} | ${row.success}/${row.total} | ${row.silentCorruptions} | ${row.silentFailures} | ${reportedText(row.reported)} |`,
    ),
  ];
}

async function main(): Promise<void> {
  const started = performance.now();
  // Robustness for the shipped link, the one it replaced and the old one; the variable-length
  // settings on air only (their robustness: the runs of 2026-12-07 01:37 and before, docs/sound-link.md).
  const links = [await load(shipped), await load(ggwaveTones), await load(baseline)];
  const [shippedLink, ggwaveTonesLink, baselineLink] = links as [Link, Link, Link];
  const variableLink = await load(variableFrames);
  const previousLink = await load(previous);
  const air = {
    shipped: airTimes(shippedLink, soundForms),
    ggwaveTones: airTimes(ggwaveTonesLink, soundForms),
    variable: airTimes(variableLink, soundForms),
    previous: airTimes(previousLink, soundForms),
    signedFastest: airTimes(previousLink, fixtures),
    baseline: airTimes(baselineLink, fixtures),
    // Two transmissions, as the repeat checkout: the request, then a typical authorization (74 B).
    typicalRepeat:
      Math.round(
        (seconds(shippedLink, [single(soundForms.request)]) +
          seconds(shippedLink, [single(typicalAuthorization)])) *
          1000,
      ) / 1000,
  };
  const cost = Object.fromEntries(links.map((link) => [link.setting.name, receiveCost(link)]));
  const carried = parts === 'air' ? previousResults() : undefined;
  const loss = carried?.frameLoss ?? frameLoss(links);
  const rows = carried?.robustness ?? robustness(links);
  const skipped = carried?.robustnessSkipped ?? skippedConditions;
  const falseAlarms = carried?.noiseOnly ?? noiseOnly(links);
  const runSeconds = Math.round((performance.now() - started) / 100) / 10;

  const data = {
    scale,
    runSeconds,
    settings: {
      shipped: shipped.name,
      ggwaveTones: ggwaveTones.name,
      variable: variableFrames.name,
      previous: previous.name,
      baseline: baseline.name,
    },
    forms: {
      shipped: 'sound forms, fixed-length frames in the wide tone plan, 50 ms edges',
      ggwaveTones: "sound forms, fixed-length frames in ggwave's tones, 50 ms edges",
      variable: 'sound forms, variable-length frames, 50 ms edges',
      previous: 'sound forms, variable-length frames, 250 ms silences',
      signedFastest: 'signed forms, audible fastest, variable-length frames',
      baseline:
        'signed forms, audible fast (the old link; its losses and robustness on the sound forms)',
    },
    airSeconds: {
      shipped: air.shipped,
      ggwaveTones: air.ggwaveTones,
      variable: air.variable,
      previous: air.previous,
      signedFastest: air.signedFastest,
      baseline: air.baseline,
      typicalRepeatCheckoutSeconds: air.typicalRepeat,
    },
    receiveMsPerAudioSecond: cost,
    frameLoss: { snrsDb: frameLossSnrsDb, rows: loss },
    robustnessSeeds,
    robustness: rows,
    robustnessSkipped: skipped,
    noiseOnly: falseAlarms,
    ...(carried
      ? {
          carriedOver: {
            from: carried.measuredAt,
            parts: ['frameLoss', 'robustness', 'robustnessSkipped', 'noiseOnly'],
          },
        }
      : {}),
  };
  const markdown = [
    `${shipped.name} next to ${ggwaveTones.name}, ${variableFrames.name} and ${previous.name} (seconds on air only) and ${baseline.name}, same run; ${runSeconds} s in all${scale === 1 ? '' : ` (BENCH_SCALE=${scale})`}.`,
    ...(carried
      ? [
          '',
          `SOUND_BENCH_PARTS=air: seconds on air measured now; frame loss, robustness and noise alone are those of the run of ${carried.measuredAt}.`,
        ]
      : []),
    '',
    ...airMarkdown(air),
    '',
    '## Receiving CPU (clean repeat checkout, median of 5, ms per second of audio, shared machine)',
    '',
    '| setting | ms / s |',
    '|---|---|',
    ...Object.entries(cost).map(([name, ms]) => `| ${name} | ${ms} |`),
    '',
    ...lossMarkdown(loss),
    '',
    ...shippedRobustnessMarkdown(rows),
    '',
    ...robustnessMarkdown(rows, skipped),
    '',
    '## Noise alone (false alarms)',
    '',
    '| setting | seconds of white noise | messages | failures reported |',
    '|---|---|---|---|',
    ...falseAlarms.map(
      (row) => `| ${row.setting} | ${row.seconds} | ${row.falseMessages} | ${row.falseFailures} |`,
    ),
  ];
  writeResults('sound', data, markdown, soundFigures(data));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
