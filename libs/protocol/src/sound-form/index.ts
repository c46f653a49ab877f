// Sound forms (docs/protocol.md, "Sound forms"): what goes over the air instead of each signed
// structure — a one-byte tag, short key ids, times as durations, no field the receiver already
// knows — and how the receiver expands it back, byte for byte, into the signed form that the
// signatures cover and the processor receives. Pure: no I/O, no clock.

export {
  soundFormTags,
  soundKeyIdPrefixLengthBytes,
  soundSignatureLengthBytes,
  soundTerminalReferenceLengthBytes,
  soundTimeLengthBytes,
} from './sound-form-limits';
export { keyIdHasPrefix } from './sound-form-codec';
export { isSoundForm } from './is-sound-form';
export {
  type PaymentRequestSoundForm,
  decodePaymentRequestSoundForm,
  encodePaymentRequestSoundForm,
  expandPaymentRequestSoundForm,
  terminalReferenceOf,
} from './payment-request-sound-form';
export {
  type ConsumerAuthorizationSoundForm,
  decodeConsumerAuthorizationSoundForm,
  encodeConsumerAuthorizationSoundForm,
  expandConsumerAuthorizationSoundForm,
} from './consumer-authorization-sound-form';
export {
  type CredentialSoundForm,
  type VerifiedCredentialSoundForm,
  decodeDeviceCredentialSoundForm,
  decodeTerminalCredentialSoundForm,
  encodeDeviceCredentialSoundForm,
  encodeTerminalCredentialSoundForm,
  verifyDeviceCredentialSoundForm,
  verifyTerminalCredentialSoundForm,
} from './credential-sound-forms';
