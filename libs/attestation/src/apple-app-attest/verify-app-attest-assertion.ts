import { sha256 } from '@noble/hashes/sha2.js';
import {
  type JwkInput,
  type PublicJwk,
  calculateJwkThumbprint,
  ecdsaDerToRaw,
  equalBytes,
  importPublicJwk,
  isCryptoError,
  verifySignature,
} from '@settle/crypto';
import { isBytes } from '@settle/crypto/encoding/bytes';
import { concatBytes } from '../checks/concat-bytes';
import { cborMapWithKeys, decodeThirdPartyCbor } from '../checks/decode-cbor-evidence';
import { AttestationError } from '../errors';
import {
  type AppAttestAssertionReasonCode,
  type AppAttestAssertionRejection,
  type AppAttestAssertionResult,
  appAttestAssertionSizeMaxBytes,
} from './app-attest-assertion-result';

/** Assertion authenticator data: rpIdHash (32) ‖ flags (1) ‖ counter (4, big-endian), nothing else. */
const authenticatorDataLengthBytes = 37;
const rpIdHashLengthBytes = 32;
const counterOffset = 33;
const clientDataHashLengthBytes = 32;
const counterMax = 0xffff_ffff;
/** The app id as the attestation policy checks it: `<10-character team id>.<bundle id>`. */
const appIdPattern = /^[A-Z0-9]{10}\.[A-Za-z0-9.-]+$/;

/**
 * The arguments of {@link verifyAppAttestAssertion}. Everything is explicit: the key is the one
 * App Attest attested at registration, the previous counter is the caller's stored state.
 *
 * @example
 * ```ts
 * const input: VerifyAppAttestAssertionInput = {
 *   assertion,                         // bytes of DCAppAttestService.generateAssertion
 *   clientDataHash,                    // the 32 bytes the app passed to generateAssertion
 *   publicKeyJwk: attestedKeyJwk,      // the key App Attest attested (P-256)
 *   appId: 'ABCDE12345.com.example.wallet',
 *   previousCounter: 6,                // 0 for a key that has made no assertion yet
 * };
 * ```
 */
export interface VerifyAppAttestAssertionInput {
  /** The assertion as `generateAssertion` returns it: CBOR map `{ signature: DER ECDSA, authenticatorData }`. */
  readonly assertion: Uint8Array;
  /** SHA-256 of the client data the server expects the assertion to be about (32 bytes), recomputed by the server. */
  readonly clientDataHash: Uint8Array;
  /** The attested key's public JWK (EC P-256). */
  readonly publicKeyJwk: JwkInput;
  /** `<team id>.<bundle id>`: rpIdHash must be its SHA-256. */
  readonly appId: string;
  /** The greatest counter accepted so far for this key (0 after the attestation): the new one must be greater. */
  readonly previousCounter: number;
}

function invalidArgument(message: string, cause?: unknown): AttestationError {
  return new AttestationError('ERR_INVALID_ARGUMENT', `verifyAppAttestAssertion: ${message}`, {
    cause,
  });
}

function rejectAssertion(
  reasonCode: AppAttestAssertionReasonCode,
  detail: string,
): AppAttestAssertionRejection {
  return Object.freeze({ ok: false, reasonCode, detail });
}

/** Arguments are the caller's (configuration, stored state, its own hash); a bad one is a bug, thrown. */
function checkInput(input: VerifyAppAttestAssertionInput): PublicJwk {
  if (typeof input !== 'object' || input === null)
    throw invalidArgument('takes one object argument');
  const { assertion, clientDataHash, appId, previousCounter } = input;
  if (!isBytes(assertion)) throw invalidArgument('assertion must be a Uint8Array');
  if (!isBytes(clientDataHash) || clientDataHash.length !== clientDataHashLengthBytes)
    throw invalidArgument(`clientDataHash must be ${clientDataHashLengthBytes} bytes (a SHA-256)`);
  if (typeof appId !== 'string' || !appIdPattern.test(appId))
    throw invalidArgument('appId must be <10-character team id>.<bundle id>');
  if (!Number.isSafeInteger(previousCounter) || previousCounter < 0 || previousCounter > counterMax)
    throw invalidArgument(`previousCounter must be an integer from 0 to ${counterMax}`);
  let publicKeyJwk: PublicJwk;
  try {
    publicKeyJwk = importPublicJwk(input.publicKeyJwk);
  } catch (error) {
    if (!isCryptoError(error)) throw error;
    throw invalidArgument(`publicKeyJwk is not a valid public JWK (${error.code})`, error);
  }
  if (publicKeyJwk.kty !== 'EC')
    throw invalidArgument('publicKeyJwk must be an EC P-256 key (App Attest keys are)');
  return publicKeyJwk;
}

/**
 * Verifies an Apple App Attest **assertion** (Apple's "Validating assertions from your app", steps
 * 1–5; step 6, storing the counter, is the caller's): decodes it (well-formed CBOR in any key order, exactly `signature`
 * and `authenticatorData`, 37 bytes of authenticator data); computes nonce = SHA-256(authenticatorData
 * ‖ clientDataHash) and verifies the signature over nonce with the attested key (ES256: ECDSA P-256
 * with SHA-256 over the nonce bytes, as the Secure Enclave signs it; the DER signature must be strict
 * DER); checks rpIdHash = SHA-256(appId); checks counter > previousCounter. Authenticity before
 * content: nothing in the authenticator data is read until the signature verified.
 *
 * Synchronous (no certificate, so no WebCrypto) and without a clock. The client data's freshness
 * (e.g. a challenge, a connection's EKM) is the caller's: it is bound through `clientDataHash`.
 * Evidence problems are rejections with a reason code; argument problems throw `AttestationError`
 * `ERR_INVALID_ARGUMENT`.
 *
 * @example
 * ```ts
 * import { verifyAppAttestAssertion } from '@settle/attestation';
 * const result = verifyAppAttestAssertion({ assertion, clientDataHash, publicKeyJwk, appId, previousCounter });
 * if (result.ok) await storeCounterIfGreater(keyId, result.verdict.counter); // atomically
 * else refuse(result.reasonCode); // e.g. 'COUNTER_NOT_INCREASING'
 * ```
 */
export function verifyAppAttestAssertion(
  input: VerifyAppAttestAssertionInput,
): AppAttestAssertionResult {
  const publicKeyJwk = checkInput(input);
  const { assertion, clientDataHash, appId, previousCounter } = input;
  if (assertion.length > appAttestAssertionSizeMaxBytes) {
    return rejectAssertion(
      'EVIDENCE_TOO_LARGE',
      `an assertion of ${assertion.length} bytes exceeds ${appAttestAssertionSizeMaxBytes}`,
    );
  }
  const decoded = decodeThirdPartyCbor(assertion, 'the assertion');
  if (!decoded.ok) return rejectAssertion('EVIDENCE_MALFORMED', decoded.detail);
  const map = cborMapWithKeys(decoded.value, 'the assertion', ['signature', 'authenticatorData']);
  if (!map.ok) return rejectAssertion('EVIDENCE_MALFORMED', map.detail);
  const signature = map.value.get('signature');
  const authenticatorData = map.value.get('authenticatorData');
  if (!isBytes(signature) || !isBytes(authenticatorData))
    return rejectAssertion(
      'EVIDENCE_MALFORMED',
      'signature and authenticatorData must be byte strings',
    );
  if (authenticatorData.length !== authenticatorDataLengthBytes) {
    return rejectAssertion(
      'EVIDENCE_MALFORMED',
      `assertion authenticator data of ${authenticatorData.length} bytes, not ${authenticatorDataLengthBytes}`,
    );
  }

  const nonce = sha256(concatBytes(authenticatorData, clientDataHash));
  let verified = false;
  try {
    verified = verifySignature({
      alg: 'ES256',
      jwk: publicKeyJwk,
      data: nonce,
      signature: ecdsaDerToRaw(signature),
      backend: 'native',
    });
  } catch (error) {
    if (!isCryptoError(error, 'ERR_ECDSA_SIGNATURE_ENCODING_INVALID')) throw error;
  }
  if (!verified) {
    return rejectAssertion(
      'SIGNATURE_INVALID',
      'the signature is not the attested key’s over SHA-256(authenticatorData ‖ clientDataHash): another key, other client data, or altered data',
    );
  }

  if (
    !equalBytes(
      authenticatorData.subarray(0, rpIdHashLengthBytes),
      sha256(new TextEncoder().encode(appId)),
    )
  ) {
    return rejectAssertion('RP_ID_MISMATCH', `rpIdHash is not SHA-256 of ${appId}`);
  }
  const counter = new DataView(
    authenticatorData.buffer,
    authenticatorData.byteOffset,
    authenticatorData.byteLength,
  ).getUint32(counterOffset);
  if (counter <= previousCounter) {
    return rejectAssertion(
      'COUNTER_NOT_INCREASING',
      `counter ${counter} is not greater than the last accepted ${previousCounter}`,
    );
  }
  return { ok: true, verdict: { counter, keyId: calculateJwkThumbprint(publicKeyJwk) } };
}
