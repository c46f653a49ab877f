// @settle/crypto: keys, key ids, signatures and deterministic CBOR (encode; decode through one entry
// point, `decodeCborDeterministic`: a fast path, else the strict decoder) for the offline payment
// protocol (DESIGN §4). Shaped like panva/jose: one operation per file (each importable on its own
// as `@settle/crypto/<folder>/<file>`), typed errors with stable codes, algorithm allow-lists as
// parameters, an injectable clock. See docs/crypto.md. COSE_Sign1 is not here: the one production
// path is the protocol's (libs/protocol/src/cose.ts); `testing/cose-sign1-reference` holds a
// general, test-only COSE_Sign1 that its tests use as an oracle.

export { type CryptoErrorCode, CryptoError, cryptoErrorCodes, isCryptoError } from './errors';
export {
  type SignatureAlgorithm,
  type SignatureBackend,
  coseAlgorithmIds,
  signatureAlgorithms,
  signatureBackends,
  signatureLengthBytes,
} from './algorithms';
export { cborNestingDepthMax, publicKeyCacheEntriesMax } from './limits';
export { type Clock, systemClock } from './clock';

export { base64UrlDecode, base64UrlEncode } from './encoding/base64';
export { bytesToHex, equalBytes, hexToBytes } from './encoding/bytes';

export {
  type Ed25519PrivateJwk,
  type Ed25519PublicJwk,
  type Es256PrivateJwk,
  type Es256PublicJwk,
  type JwkInput,
  type PrivateJwk,
  type PublicJwk,
} from './keys/jwk';
export { importPublicJwk } from './keys/import-public-jwk';
export { importPrivateJwk } from './keys/import-private-jwk';
export { exportPublicJwk } from './keys/export-public-jwk';
export { importSpki } from './keys/import-spki';
export { exportSpki } from './keys/export-spki';
export { importPem } from './keys/import-pem';
export { exportPem } from './keys/export-pem';
export { importRawPublicKey } from './keys/import-raw-public-key';
export { exportRawPublicKey } from './keys/export-raw-public-key';
export { type GeneratedKeyPair, generateKeyPair } from './keys/generate-key-pair';

export { calculateJwkThumbprint, calculateJwkThumbprintBytes } from './thumbprint/jwk-thumbprint';
export { sha256Concat, sha256LengthBytes } from './digest/sha256';

export { type VerifySignatureInput, verifySignature } from './signatures/verify-signature';
export { verifySignatureAsync } from './signatures/verify-signature-async';
export { createSigner, type SignInput, sign } from './signatures/sign';
export { ecdsaDerToRaw, ecdsaRawToDer } from './signatures/ecdsa-der';

export { type DecodeCborStrictOptions, decodeCborStrict } from './cbor/decode-cbor-strict';
export { encodeCborDeterministic } from './cbor/encode-cbor-deterministic';
export { decodeCborDeterministic } from './cbor/decode-cbor-deterministic';
/**
 * A CBOR tag as `decodeCborStrict` returns it (never interpreted) and as `encodeCborDeterministic`
 * writes it: cbor2's `Tag`.
 *
 * @example
 * ```ts
 * import { CborTag, decodeCborStrict } from '@settle/crypto';
 * const value = decodeCborStrict(bytes);
 * if (value instanceof CborTag && value.tag === 18) {
 *   // a COSE_Sign1_Tagged
 * }
 * ```
 */
export { Tag as CborTag } from 'cbor2';
