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

/**
 * Keeps the recordings (16-bit WAV files) of one payment, the sound forms a real checkout plays: the
 * terminal's request, the phone's answer (the last of each when one was sent again).
 */
export interface PaymentRecordings {
  /** The request, after the terminal credential for a phone that did not know the terminal. */
  readonly request?: (wav: Uint8Array) => void;
  /** The authorization, then the device credential for a terminal that did not keep it. */
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

/** A payment request the terminal made, not yet sent. */
export function newRequest(terminal: Terminal, amount: bigint): CreatedRequest {
  return terminal.pos.createRequest({
    amount,
    currency: 'EUR',
    nonce: new Uint8Array(randomBytes(16)),
    nowMs: Date.now(),
    validityMs: requestValidityMs,
  });
}

/**
 * The terminal's request to the phone, as a real terminal plays it: the request's sound form (one
 * fixed-length frame), preceded by the terminal credential's when `withCredential` (for a phone that
 * does not know this terminal). Returns what the phone heard.
 */
export function requestOverSound(
  modem: SoundModem,
  created: CreatedRequest,
  withCredential: boolean,
  keep?: (wav: Uint8Array) => void,
): { requestSoundForm: Uint8Array; terminalCredentialSoundForm?: Uint8Array } {
  const heard = overTheAir(
    modem,
    [
      ...(withCredential
        ? [{ bytes: created.terminalCredentialSoundForm, framesMax: soundMessageFramesMax }]
        : []),
      { bytes: created.requestSoundForm, framesMax: 1 },
    ],
    keep,
  );
  return withCredential
    ? { terminalCredentialSoundForm: heard[0]!, requestSoundForm: heard[1]! }
    : { requestSoundForm: heard[0]! };
}

/** What the phone sends back: sound forms, the device credential's only when the terminal lacks it. */
export interface SoundAnswer {
  readonly authorizationSoundForm: Uint8Array;
  readonly deviceCredentialSoundForm: Uint8Array;
  readonly terminalHasDeviceCredential: boolean;
}

/**
 * The phone's answer to the terminal over sound: the authorization's sound form, then the device
 * credential's unless the terminal keeps it (sent again with it when the terminal answers
 * `DEVICE_UNKNOWN`); the terminal expands them and accepts the payment.
 */
export async function answerOverSound(
  modem: SoundModem,
  terminal: Terminal,
  answer: SoundAnswer,
  keep?: (wav: Uint8Array) => void,
): Promise<AcceptedPayment> {
  const send = async (withCredential: boolean) => {
    const heard = overTheAir(
      modem,
      [
        { bytes: answer.authorizationSoundForm, framesMax: 1 },
        ...(withCredential
          ? [{ bytes: answer.deviceCredentialSoundForm, framesMax: soundMessageFramesMax }]
          : []),
      ],
      keep,
    );
    return terminal.pos.acceptSoundAuthorization({
      authorizationSoundForm: heard[0]!,
      ...(withCredential ? { deviceCredentialSoundForm: heard[1]! } : {}),
      nowMs: Date.now(),
    });
  };
  let accepted = await send(!answer.terminalHasDeviceCredential);
  if (!accepted.ok && accepted.code === 'DEVICE_UNKNOWN' && answer.terminalHasDeviceCredential)
    accepted = await send(true);
  if (!accepted.ok)
    throw new Error(`the terminal refused the payment: ${accepted.code} ${accepted.message}`);
  return accepted.value;
}

/**
 * A payment as the SDKs make it: the terminal plays its request (its credential too when the phone
 * does not know it: the phone says `TERMINAL_UNKNOWN`), the phone shows the verified merchant, the
 * user approves, the terminal countersigns and queues it for upload. Returns the accepted payment
 * and the merchant name the phone showed.
 */
export async function payOverSound(
  modem: SoundModem,
  terminal: Terminal,
  phone: Phone,
  amount: bigint,
  recordings: PaymentRecordings = {},
): Promise<AcceptedPayment & { readonly merchantDisplayName: string }> {
  const created = newRequest(terminal, amount);
  const present = (withCredential: boolean) =>
    phone.wallet.presentSoundRequest({
      ...requestOverSound(modem, created, withCredential, recordings.request),
      nowMs: Date.now(),
    });
  let presented = await present(false);
  if (
    !presented.ok &&
    (presented.code === 'TERMINAL_UNKNOWN' || presented.code === 'TERMINAL_AMBIGUOUS')
  )
    presented = await present(true);
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
  const accepted = await answerOverSound(modem, terminal, approved.value, recordings.answer);
  return { ...accepted, merchantDisplayName: presented.value.merchantDisplayName };
}
