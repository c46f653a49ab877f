import { decodeConsumerAuthorizationSoundForm } from './consumer-authorization-sound-form';
import {
  decodeDeviceCredentialSoundForm,
  decodeTerminalCredentialSoundForm,
} from './credential-sound-forms';
import { decodePaymentRequestSoundForm } from './payment-request-sound-form';
import { soundFormTags } from './sound-form-limits';

const decoderOfTag: ReadonlyMap<number, (bytes: Uint8Array) => { readonly ok: boolean }> = new Map<
  number,
  (bytes: Uint8Array) => { readonly ok: boolean }
>([
  [soundFormTags.paymentRequest, decodePaymentRequestSoundForm],
  [soundFormTags.consumerAuthorization, decodeConsumerAuthorizationSoundForm],
  [soundFormTags.terminalCredential, decodeTerminalCredentialSoundForm],
  [soundFormTags.deviceCredential, decodeDeviceCredentialSoundForm],
]);

/**
 * Whether the bytes are a well-formed sound form of a known structure (strictly decoded; nothing is
 * verified). The sound link's receiver takes it as its `accepts` check, so bytes the modem heard
 * wrong — which ggwave's Reed–Solomon check can let through when it misreads a frame's length — are
 * reported as a failure instead of handed over as a message.
 *
 * @example
 * ```ts
 * import { isSoundForm } from '@settle/protocol/sound-form';
 * const heard = decodeRecording(modem, audio, { accepts: isSoundForm });
 * ```
 */
export function isSoundForm(bytes: Uint8Array): boolean {
  const tag = bytes.at(0);
  const decode = tag === undefined ? undefined : decoderOfTag.get(tag);
  return decode !== undefined && decode(bytes).ok;
}
