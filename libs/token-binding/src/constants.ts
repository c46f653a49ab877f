// RFC 8471 code points and this library's limits. Every limit is a named constant with its unit.

/**
 * RFC 8471 §3 TokenBindingType code points.
 *
 * @example
 * ```ts
 * import { tokenBindingTypeCodes } from '@settle/token-binding';
 * tokenBindingTypeCodes.provided_token_binding; // 0
 * ```
 */
export const tokenBindingTypeCodes = {
  provided_token_binding: 0,
  referred_token_binding: 1,
} as const;

/**
 * `'provided_token_binding' | 'referred_token_binding'`: the RFC's names.
 *
 * @example
 * ```ts
 * const type: TokenBindingType = 'provided_token_binding';
 * ```
 */
export type TokenBindingType = keyof typeof tokenBindingTypeCodes;

/**
 * RFC 8471 §3 TokenBindingKeyParameters code points (IANA "Token Binding Key Parameters").
 *
 * @example
 * ```ts
 * import { tokenBindingKeyParametersCodes } from '@settle/token-binding';
 * tokenBindingKeyParametersCodes.ecdsap256; // 2
 * ```
 */
export const tokenBindingKeyParametersCodes = {
  'rsa2048_pkcs1.5': 0,
  rsa2048_pss: 1,
  ecdsap256: 2,
} as const;

/**
 * `'rsa2048_pkcs1.5' | 'rsa2048_pss' | 'ecdsap256'`: the RFC's names.
 *
 * @example
 * ```ts
 * const allowed: readonly TokenBindingKeyParameters[] = ['ecdsap256'];
 * ```
 */
export type TokenBindingKeyParameters = keyof typeof tokenBindingKeyParametersCodes;

/**
 * The default key-parameters allow-list: P-256 only, what phone secure hardware offers and the only
 * one `verifyTokenBindingMessage` can check.
 *
 * @example
 * ```ts
 * parseTokenBindingMessage(bytes, { allowedKeyParameters: defaultAllowedKeyParameters });
 * ```
 */
export const defaultAllowedKeyParameters: readonly TokenBindingKeyParameters[] = Object.freeze([
  'ecdsap256',
] as const);

/**
 * The TLS exporter label of RFC 8471 §3.3 (used with no context).
 *
 * @example
 * ```ts
 * socket.exportKeyingMaterial(tokenBindingEkmLengthBytes, tokenBindingExporterLabel);
 * ```
 */
export const tokenBindingExporterLabel = 'EXPORTER-Token-Binding';

/**
 * Length of the exported keying material (RFC 8471 §3.3): 32 bytes.
 *
 * @example
 * ```ts
 * if (ekm.length !== tokenBindingEkmLengthBytes) throw new Error('not a token binding EKM');
 * ```
 */
export const tokenBindingEkmLengthBytes = 32;

/**
 * Largest TokenBindingMessage accepted or produced, in bytes. A provided plus a referred ecdsap256
 * binding is 276 bytes, two RSA-2048 bindings about 1 050; the RFC's own bound (2 + 65 535) would let
 * one header make us decode 64 KiB.
 *
 * @example
 * ```ts
 * if (bytes.length > tokenBindingMessageSizeMaxBytes) return reject();
 * ```
 */
export const tokenBindingMessageSizeMaxBytes = 2048;

/**
 * Longest `Sec-Token-Binding` header value accepted, in characters: the unpadded base64url length
 * of {@link tokenBindingMessageSizeMaxBytes}. Checked before decoding.
 *
 * @example
 * ```ts
 * if (header.length > tokenBindingHeaderLengthMaxChars) return reject();
 * ```
 */
export const tokenBindingHeaderLengthMaxChars = Math.ceil(
  (tokenBindingMessageSizeMaxBytes * 4) / 3,
);

/**
 * Length of an ecdsap256 TB_PubKey point (X ‖ Y, no 0x04 prefix) and of its signature (R ‖ S).
 *
 * @example
 * ```ts
 * ecdsaP256PointLengthBytes; // 64
 * ```
 */
export const ecdsaP256PointLengthBytes = 64;

/**
 * Length of an ecdsap256 signature (R ‖ S, RFC 8471 §3.3): 64 bytes.
 *
 * @example
 * ```ts
 * ecdsaP256SignatureLengthBytes; // 64
 * ```
 */
export const ecdsaP256SignatureLengthBytes = 64;

/**
 * Length of an RSA-2048 modulus and signature: 256 bytes.
 *
 * @example
 * ```ts
 * rsa2048ModulusLengthBytes; // 256
 * ```
 */
export const rsa2048ModulusLengthBytes = 256;

/**
 * The RFC 8471 lower bound of the `tokenbindings` vector, in bytes (`TokenBinding tokenbindings<132..2^16-1>`).
 *
 * @example
 * ```ts
 * tokenBindingsLengthMinBytes; // 132
 * ```
 */
export const tokenBindingsLengthMinBytes = 132;
