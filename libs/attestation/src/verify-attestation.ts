import { type JwkInput, type PublicJwk, importPublicJwk, isCryptoError } from '@settle/crypto';
import { isBytes } from '@settle/crypto/encoding/bytes';
import { verifyAndroidKey } from './android-key/verify-android-key';
import { verifyAppAttestVouchedKey } from './apple-app-attest/verify-app-attest-vouched-key';
import { verifyAppleAppAttest } from './apple-app-attest/verify-apple-app-attest';
import { type RegisteredKey, registeredKeyOf } from './checks/registered-key';
import { reject } from './checks/rejection';
import { AttestationError, assert } from './errors';
import {
  type AttestationFormat,
  type KeyPurpose,
  attestationFormats,
  keyPurposes,
} from './formats';
import { attestationChallengeSizeMaxBytes, attestationEvidenceSizeMaxBytes } from './limits';
import { verifyNone } from './none/verify-none';
import { type AttestationPolicy } from './policy/attestation-policy';
import { checkAttestationPolicy } from './policy/check-attestation-policy';
import { type AttestationResult } from './result';
import { verifyWebAuthnPacked } from './webauthn-packed/verify-webauthn-packed';

/**
 * The arguments of {@link verifyAttestation}.
 *
 * @example
 * ```ts
 * const input: VerifyAttestationInput = {
 *   format: 'android-key', evidence, expectedChallenge, keyToRegister: publicJwk,
 *   purpose: 'payment', policy: policies.android, now: clock(),
 * };
 * ```
 */
export interface VerifyAttestationInput {
  /** The evidence format the device declared. */
  readonly format: AttestationFormat;
  /** The evidence bytes as the device sent them (see `attestationFormats` for each format's encoding). */
  readonly evidence: Uint8Array;
  /** The challenge the registry issued and consumed for this registration. */
  readonly expectedChallenge: Uint8Array;
  /** The public JWK being registered: the attested key must be this one. */
  readonly keyToRegister: JwkInput;
  readonly purpose: KeyPurpose;
  /** The policy of the device's class. */
  readonly policy: AttestationPolicy;
  /** The verification time: certificates must be valid at it. Never read from a clock in here. */
  readonly now: Date;
}

interface CheckedInput {
  readonly format: AttestationFormat;
  readonly evidence: Uint8Array;
  readonly expectedChallenge: Uint8Array;
  readonly keyToRegister: RegisteredKey;
  readonly purpose: KeyPurpose;
  readonly policy: AttestationPolicy;
  readonly now: Date;
}

function invalidArgument(message: string, cause?: unknown): AttestationError {
  return new AttestationError('ERR_INVALID_ARGUMENT', `verifyAttestation: ${message}`, { cause });
}

/** Arguments are the caller's (already validated by the contracts); a bad one is a bug, thrown. */
function checkInput(input: VerifyAttestationInput): CheckedInput {
  if (typeof input !== 'object' || input === null)
    throw invalidArgument('takes one object argument');
  const { format, evidence, expectedChallenge, purpose, now } = input;
  if (!attestationFormats.includes(format))
    throw invalidArgument(`format must be one of ${attestationFormats.join(', ')}`);
  if (!isBytes(evidence)) throw invalidArgument('evidence must be a Uint8Array');
  if (
    !isBytes(expectedChallenge) ||
    expectedChallenge.length === 0 ||
    expectedChallenge.length > attestationChallengeSizeMaxBytes
  ) {
    throw invalidArgument(
      `expectedChallenge must be 1 to ${attestationChallengeSizeMaxBytes} bytes`,
    );
  }
  if (!keyPurposes.includes(purpose))
    throw invalidArgument(`purpose must be one of ${keyPurposes.join(', ')}`);
  if (!(now instanceof Date) || Number.isNaN(now.getTime()))
    throw invalidArgument('now must be a valid Date');
  let publicKeyJwk: PublicJwk;
  try {
    publicKeyJwk = importPublicJwk(input.keyToRegister);
  } catch (error) {
    if (!isCryptoError(error)) throw error;
    throw invalidArgument(`keyToRegister is not a valid public JWK (${error.code})`, error);
  }
  const policy = checkAttestationPolicy(input.policy);
  return {
    format,
    evidence,
    expectedChallenge,
    keyToRegister: registeredKeyOf(publicKeyJwk),
    purpose,
    policy,
    now,
  };
}

async function verifyFormat(input: CheckedInput): Promise<AttestationResult> {
  const { policy } = input;
  switch (input.format) {
    case 'android-key':
      assert(
        policy.deviceClass === 'android',
        'the policy check ties android-key to android policies',
      );
      return verifyAndroidKey({ ...input, policy });
    case 'apple-app-attest':
      assert(
        policy.deviceClass === 'ios',
        'the policy check ties apple-app-attest to ios policies',
      );
      // A binding key is a Secure Enclave key the App Attest key vouches for; a payment key is the App Attest key.
      return input.purpose === 'binding'
        ? verifyAppAttestVouchedKey({ ...input, policy })
        : verifyAppleAppAttest({ ...input, policy });
    case 'webauthn-packed':
      assert(policy.deviceClass === 'web', 'the policy check ties webauthn-packed to web policies');
      return verifyWebAuthnPacked({ ...input, policy });
    case 'none':
      return verifyNone(input);
    default: {
      const unhandled: never = input.format;
      throw new AttestationError('ERR_ASSERTION_FAILED', `unhandled format ${String(unhandled)}`);
    }
  }
}

/**
 * Verifies attestation evidence for a key being registered, and returns the verdict: the level the
 * key is held at, the attested public key (which is the key being registered), its key id (RFC 7638
 * thumbprint) and format-specific properties; or a rejection with a stable reason code and a
 * detail for logs.
 *
 * Order: size (`EVIDENCE_TOO_LARGE`), format against the policy (`FORMAT_NOT_ALLOWED`), then the
 * format's checks (docs/attestation.md lists them with why each exists). Evidence problems are never
 * thrown; a malformed argument or policy throws `AttestationError` (`ERR_INVALID_ARGUMENT`,
 * `ERR_POLICY_INVALID`). Expiry and single use of the challenge are the registry's: this function
 * compares the challenge it is given.
 *
 * Asynchronous because certificate signatures are checked with WebCrypto (@peculiar/x509).
 *
 * @example
 * ```ts
 * import { verifyAttestation } from '@settle/attestation';
 * const result = await verifyAttestation({
 *   format: 'android-key',
 *   evidence,                       // CBOR array of the DER certificates, leaf first
 *   expectedChallenge,              // the challenge the registry issued
 *   keyToRegister: publicJwk,
 *   purpose: 'payment',
 *   policy: policies.android,
 *   now: clock(),
 * });
 * if (result.ok) activate(result.verdict.keyId, result.verdict.level);
 * else reject(result.reasonCode); // e.g. 'ROOT_OF_TRUST_UNVERIFIED'
 * ```
 */
export async function verifyAttestation(input: VerifyAttestationInput): Promise<AttestationResult> {
  const checked = checkInput(input);
  if (checked.evidence.length > attestationEvidenceSizeMaxBytes) {
    return reject(
      'EVIDENCE_TOO_LARGE',
      `evidence of ${checked.evidence.length} bytes exceeds ${attestationEvidenceSizeMaxBytes}`,
    );
  }
  if (!(checked.policy.formats as readonly AttestationFormat[]).includes(checked.format)) {
    return reject(
      'FORMAT_NOT_ALLOWED',
      `format ${checked.format} is not allowed for device class ${checked.policy.deviceClass}`,
    );
  }
  let result: AttestationResult;
  try {
    result = await verifyFormat(checked);
  } catch (error) {
    // The libraries below (X.509, ASN.1, WebCrypto) may throw on hostile input in ways not caught
    // closer to them: that is evidence they could not read, never an acceptance.
    if (error instanceof AttestationError) throw error;
    return reject(
      'EVIDENCE_MALFORMED',
      `the evidence could not be processed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  assert(
    !result.ok || result.verdict.keyId === checked.keyToRegister.keyId,
    'an accepted key is the key being registered',
  );
  return result;
}
