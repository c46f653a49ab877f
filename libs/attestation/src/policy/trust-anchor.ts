import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@settle/crypto';
import { AttestationError } from '../errors';
import { type AttestationLevel } from '../formats';
import { parseCertificate } from '../x509/parse-certificate';

/**
 * A pinned root: a public key, never a certificate. Certificates of the same key are reissued
 * (Google's RSA attestation root has four, the first expired 2026-05-24); a chain is trusted when it
 * ends at, or is signed by, this key, whatever certificate carries it.
 *
 * `spkiSha256` is how operators name and review the pin: `checkAttestationPolicy` refuses an anchor
 * whose key does not hash to it.
 *
 * @example
 * ```ts
 * const anchor: TrustAnchor = {
 *   name: 'Google Hardware Attestation Root (RSA 4096)',
 *   spkiSha256: 'feb2ea7551ee316ed4bb443c8293b884dbfdea40b603ee3e4f4a897e4580fbae',
 *   subjectPublicKeyInfo: spkiDer,
 * };
 * ```
 */
export interface TrustAnchor {
  /** For logs and verdicts. */
  readonly name: string;
  /** SHA-256 of `subjectPublicKeyInfo`, lowercase hex. */
  readonly spkiSha256: string;
  /** The root's DER SubjectPublicKeyInfo. */
  readonly subjectPublicKeyInfo: Uint8Array;
}

/**
 * A WebAuthn root, with the level its authenticators are known to keep keys at (from the FIDO
 * metadata of the authenticator models it certifies).
 *
 * @example
 * ```ts
 * const anchor: WebTrustAnchor = { ...trustAnchorFromCertificate('Vendor FIDO root', pem), level: 'tee' };
 * ```
 */
export interface WebTrustAnchor extends TrustAnchor {
  readonly level: Exclude<AttestationLevel, 'software'>;
}

/**
 * SHA-256 of a DER SubjectPublicKeyInfo, lowercase hex: the pin's name.
 *
 * @example
 * ```ts
 * import { spkiSha256Hex } from '@settle/attestation';
 * spkiSha256Hex(anchor.subjectPublicKeyInfo) === anchor.spkiSha256; // true
 * ```
 */
export function spkiSha256Hex(subjectPublicKeyInfo: Uint8Array): string {
  return bytesToHex(sha256(subjectPublicKeyInfo));
}

/**
 * Makes a {@link TrustAnchor} from a root certificate (PEM or DER) by keeping only its public key:
 * for turning a published root (Google's `roots.json`, Apple's PEM) into configuration once. The
 * certificate's dates and bytes play no further part.
 *
 * @example
 * ```ts
 * import { trustAnchorFromCertificate } from '@settle/attestation';
 * const appleRoot = trustAnchorFromCertificate('Apple App Attestation Root CA', applePem);
 * appleRoot.spkiSha256; // '1ae751fd29896d0f1f13fe226c063f445d40d8938acc6245c251ecc0679330bd'
 * ```
 */
export function trustAnchorFromCertificate(
  name: string,
  certificate: string | Uint8Array,
): TrustAnchor {
  if (typeof name !== 'string' || name.length === 0)
    throw new AttestationError('ERR_INVALID_ARGUMENT', 'a trust anchor needs a name');
  const parsed = parseCertificate(certificate);
  if (parsed === undefined)
    throw new AttestationError(
      'ERR_INVALID_ARGUMENT',
      `${name}: not a PEM or DER X.509 certificate`,
    );
  const subjectPublicKeyInfo = new Uint8Array(parsed.publicKey.rawData);
  return Object.freeze({
    name,
    spkiSha256: spkiSha256Hex(subjectPublicKeyInfo),
    subjectPublicKeyInfo,
  });
}
