// @settle/token-binding: RFC 8471 TokenBindingMessages carried in the RFC 8473 `Sec-Token-Binding`
// header, signed over the connection's TLS exporter value (DESIGN §7). Node cannot negotiate the
// RFC 8472 TLS extension, so the binding travels at the application level; the message format is
// the standard one. Tagged type:infrastructure because of node:tls (the EKM export only); the rest
// is pure. See docs/token-binding.md.

export {
  type TokenBindingErrorCode,
  TokenBindingError,
  isTokenBindingError,
  tokenBindingErrorCodes,
} from './errors';
export {
  type TokenBindingKeyParameters,
  type TokenBindingType,
  defaultAllowedKeyParameters,
  ecdsaP256PointLengthBytes,
  ecdsaP256SignatureLengthBytes,
  rsa2048ModulusLengthBytes,
  tokenBindingEkmLengthBytes,
  tokenBindingExporterLabel,
  tokenBindingHeaderLengthMaxChars,
  tokenBindingKeyParametersCodes,
  tokenBindingMessageSizeMaxBytes,
  tokenBindingTypeCodes,
  tokenBindingsLengthMinBytes,
} from './constants';

export {
  type EcdsaP256TokenBindingId,
  type RsaTokenBindingId,
  type TokenBinding,
  type TokenBindingExtension,
  type TokenBindingId,
  type TokenBindingMessage,
} from './message/token-binding-message';
export { encodeTokenBindingMessage } from './message/encode-token-binding-message';
export {
  type ParseTokenBindingMessageOptions,
  parseTokenBindingMessage,
} from './message/parse-token-binding-message';
export { encodeTokenBindingId } from './message/encode-token-binding-id';
export { tokenBindingIdHash } from './message/token-binding-id-hash';
export {
  decodeSecTokenBindingHeader,
  encodeSecTokenBindingHeader,
} from './message/sec-token-binding-header';

export { tokenBindingSignedContent } from './binding/signed-content';
export { tokenBindingIdFromJwk, tokenBindingIdToJwk } from './binding/token-binding-key';
export {
  type CreateTokenBindingMessageInput,
  type CreatedTokenBindingMessage,
  type TokenBindingSigner,
  createTokenBindingMessage,
  createTokenBindingSigner,
} from './binding/create-token-binding-message';
export {
  type TokenBindingRejectionCode,
  type VerifiedTokenBinding,
  type VerifyTokenBindingMessageInput,
  type VerifyTokenBindingMessageResult,
  verifyTokenBindingMessage,
} from './binding/verify-token-binding-message';

export { exportTokenBindingKeyingMaterial } from './tls/export-token-binding-keying-material';
