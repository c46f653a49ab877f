import { type TokenBindingType } from '../constants';

/**
 * An RFC 8471 TokenBindingID whose key parameters are ecdsap256: the TB_PubKey is a 64-byte
 * uncompressed point X ‖ Y without the SEC 1 0x04 prefix.
 *
 * @example
 * ```ts
 * const id: EcdsaP256TokenBindingId = { keyParameters: 'ecdsap256', point: xy };
 * ```
 */
export interface EcdsaP256TokenBindingId {
  readonly keyParameters: 'ecdsap256';
  /** X ‖ Y, 64 bytes. */
  readonly point: Uint8Array;
}

/**
 * An RFC 8471 TokenBindingID with RSA-2048 key parameters (parsed only when the caller's allow-list
 * names them; `verifyTokenBindingMessage` does not verify RSA).
 *
 * @example
 * ```ts
 * const id: RsaTokenBindingId = { keyParameters: 'rsa2048_pss', modulus, publicExponent };
 * ```
 */
export interface RsaTokenBindingId {
  readonly keyParameters: 'rsa2048_pkcs1.5' | 'rsa2048_pss';
  /** Big-endian modulus, exactly 256 bytes. */
  readonly modulus: Uint8Array;
  /** Big-endian public exponent, 1 to 255 bytes. */
  readonly publicExponent: Uint8Array;
}

/**
 * An RFC 8471 TokenBindingID: key parameters and public key.
 *
 * @example
 * ```ts
 * const id: TokenBindingId = message.tokenBindings[0]!.tokenBindingId;
 * ```
 */
export type TokenBindingId = EcdsaP256TokenBindingId | RsaTokenBindingId;

/**
 * An RFC 8471 TB_Extension. Extensions are not covered by the signature.
 *
 * @example
 * ```ts
 * const extension: TokenBindingExtension = { type: 30, data: new Uint8Array() };
 * ```
 */
export interface TokenBindingExtension {
  /** TB_ExtensionType, 0 to 255. */
  readonly type: number;
  /** extension_data, at most 65 535 bytes. */
  readonly data: Uint8Array;
}

/**
 * One RFC 8471 TokenBinding.
 *
 * @example
 * ```ts
 * const binding: TokenBinding = { type: 'provided_token_binding', tokenBindingId, signature, extensions: [] };
 * ```
 */
export interface TokenBinding {
  readonly type: TokenBindingType;
  readonly tokenBindingId: TokenBindingId;
  /** For ecdsap256 raw R ‖ S (64 bytes); for RSA-2048 256 bytes. */
  readonly signature: Uint8Array;
  readonly extensions: readonly TokenBindingExtension[];
}

/**
 * An RFC 8471 TokenBindingMessage: the bytes carried (base64url) in `Sec-Token-Binding`.
 *
 * @example
 * ```ts
 * const message: TokenBindingMessage = parseTokenBindingMessage(bytes);
 * ```
 */
export interface TokenBindingMessage {
  readonly tokenBindings: readonly TokenBinding[];
}
