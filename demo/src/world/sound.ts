// Payments as the SDKs make them, with every message between terminal and phone sent as sound: the
// sound link encodes it to audio, the audio goes through a 16-bit WAV recording (what a microphone
// would hand over), and the other side decodes what it heard.
import { randomBytes } from 'node:crypto';
import { type AcceptedPayment, type CreatedRequest } from '@settle/device-sdk';
import {
  decodeRecording,
  decodeWav,
  encodeTransmission,
  encodeWav,
  type OutgoingMessage,
  type SoundModem,
  soundMessageFramesMax,
} from '@settle/sound-link';
import { type Phone, type Terminal } from './parties';

/** How long a payment request stays valid: the time a person takes at the counter. */
export const requestValidityMs = 120_000;
/** What the phone shows when it asks its user to approve. */
export const approvalPrompt = { title: 'Pay', subtitle: 'Offline payment' } as const;

/** Keeps the recordings (16-bit WAV files) of one payment: the terminal's request, the phone's answer. */
export interface PaymentRecordings {
  /** Terminal credential, then the request. */
  readonly request?: (wav: Uint8Array) => void;
  /** The authorization (one frame), then the device credential. */
  readonly answer?: (wav: Uint8Array) => void;
}

/**
 * Sends messages as sound and returns what the other side heard: the audio goes through a 16-bit WAV
 * recording with half a second of silence before it (a microphone that started early). Throws unless
 * every message arrived intact. `keep` receives the recording.
 */
export function overTheAir(
  modem: SoundModem,
  messages: readonly OutgoingMessage[],
  keep?: (wav: Uint8Array) => void,
): Uint8Array[] {
  const audio = encodeTransmission(modem, messages);
  const recorded = new Float32Array(audio.sampleRateHz / 2 + audio.samples.length);
  recorded.set(audio.samples, audio.sampleRateHz / 2);
  const wav = encodeWav({ samples: recorded, sampleRateHz: audio.sampleRateHz });
  keep?.(wav);
  const heard = decodeRecording(modem, decodeWav(wav));
  if (heard.failures.length > 0)
    throw new Error(`the sound link lost a frame: ${JSON.stringify(heard.failures)}`);
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
  if (heard.messages.map(hex).join() !== messages.map((message) => hex(message.bytes)).join())
    throw new Error('the sound link delivered other messages than were sent');
  return heard.messages;
}

/** The terminal's request to the phone: terminal credential (several frames), then the request (one). */
export function requestOverSound(
  modem: SoundModem,
  terminal: Terminal,
  amount: bigint,
  keep?: (wav: Uint8Array) => void,
): {
  created: CreatedRequest;
  heard: { terminalCredentialBytes: Uint8Array; requestBytes: Uint8Array };
} {
  const created = terminal.pos.createRequest({
    amount,
    currency: 'EUR',
    nonce: new Uint8Array(randomBytes(16)),
    nowMs: Date.now(),
    validityMs: requestValidityMs,
  });
  const [terminalCredentialBytes, requestBytes] = overTheAir(
    modem,
    [
      { bytes: created.terminalCredentialBytes, framesMax: soundMessageFramesMax },
      { bytes: created.requestBytes, framesMax: 1 },
    ],
    keep,
  ) as [Uint8Array, Uint8Array];
  return { created, heard: { terminalCredentialBytes, requestBytes } };
}

/** The phone's answer to the terminal: authorization (one frame), then its device credential; the terminal accepts it. */
export async function answerOverSound(
  modem: SoundModem,
  terminal: Terminal,
  requestBytes: Uint8Array,
  authorizationBytes: Uint8Array,
  deviceCredentialBytes: Uint8Array,
  keep?: (wav: Uint8Array) => void,
): Promise<AcceptedPayment> {
  const [authorizationHeard, deviceCredentialHeard] = overTheAir(
    modem,
    [
      { bytes: authorizationBytes, framesMax: 1 },
      { bytes: deviceCredentialBytes, framesMax: soundMessageFramesMax },
    ],
    keep,
  ) as [Uint8Array, Uint8Array];
  const accepted = await terminal.pos.acceptAuthorization({
    requestBytes,
    authorizationBytes: authorizationHeard,
    deviceCredentialBytes: deviceCredentialHeard,
    nowMs: Date.now(),
  });
  if (!accepted.ok)
    throw new Error(`the terminal refused the payment: ${accepted.code} ${accepted.message}`);
  return accepted.value;
}

/**
 * A payment as the SDKs make it: the phone shows the verified merchant, the user approves, the
 * terminal countersigns and queues it for upload. Returns the accepted payment and the merchant name
 * the phone showed.
 */
export async function payOverSound(
  modem: SoundModem,
  terminal: Terminal,
  phone: Phone,
  amount: bigint,
  recordings: PaymentRecordings = {},
): Promise<AcceptedPayment & { readonly merchantDisplayName: string }> {
  const { created, heard } = requestOverSound(modem, terminal, amount, recordings.request);
  const presented = await phone.wallet.presentRequest({ ...heard, nowMs: Date.now() });
  if (!presented.ok)
    throw new Error(`the phone refused the request: ${presented.code} ${presented.message}`);
  if (
    presented.value.request.amount !== amount ||
    presented.value.request.terminalId !== terminal.terminalId
  )
    throw new Error('the phone was shown another amount or terminal than the terminal asked for');
  const approved = await phone.wallet.approve(presented.value, {
    nowMs: Date.now(),
    prompt: approvalPrompt,
  });
  if (!approved.ok)
    throw new Error(`the phone did not approve: ${approved.code} ${approved.message}`);
  const accepted = await answerOverSound(
    modem,
    terminal,
    created.requestBytes,
    approved.value.authorizationBytes,
    approved.value.deviceCredentialBytes,
    recordings.answer,
  );
  return { ...accepted, merchantDisplayName: presented.value.merchantDisplayName };
}
