// The session-start App Attest check, without I/O: which of the device's attested App Attest keys made
// the assertion, over the client data that names this binding key and this connection, with a counter
// above the one stored for that key. The caller loads the keys and counters and stores the new counter
// (fresh-attestation.ts), in the session-start transaction.
import {
  type AppAttestAssertionReasonCode,
  appAttestSessionStartClientDataHash,
  verifyAppAttestAssertion,
} from '@settle/attestation';
import { assert } from '../domain/session-rules';

/**
 * The most App Attest keys of one device tried for one assertion. A device has one active payment key
 * (the registry retires the old one when a new one becomes active); the projection may briefly hold two
 * while the events of a re-enrolment arrive on different partitions.
 */
export const appAttestKeysPerDeviceMax = 4;

/** An App Attest key of the binding key's device, as the issuer's projection knows it. */
export interface DeviceAppAttestKey {
  /** RFC 7638 thumbprint of `publicJwk`: the registry's key id of the device's payment key. */
  readonly keyId: string;
  /** The key App Attest attested at enrolment (the registered payment key's JWK). */
  readonly publicJwk: {
    readonly kty: 'EC';
    readonly crv: 'P-256';
    readonly x: string;
    readonly y: string;
  };
  /** The greatest counter the issuer accepted for this key, 0 if none. */
  readonly previousCounter: number;
}

/** What a session-start assertion is checked against. */
export interface SessionStartAssertion {
  /** As `generateAssertion` returned it. */
  readonly assertion: Uint8Array;
  /** The binding key the session starts with (proven on this connection): the client data must name it. */
  readonly bindingKeyId: string;
  /** This connection's EKM: the client data must contain it. */
  readonly ekm: Uint8Array;
  /** `<team id>.<bundle id>` (SETTLE_TOKEN_ISSUER_APPLE_APP_ID): rpIdHash must be its SHA-256. */
  readonly appId: string;
  /** The binding key's device's attested App Attest keys, 1 to {@link appAttestKeysPerDeviceMax}. */
  readonly appAttestKeys: readonly DeviceAppAttestKey[];
}

/** The App Attest key that made the assertion and its new counter (to store), or why it is refused. */
export type SessionStartAssertionOutcome =
  | { readonly ok: true; readonly keyId: string; readonly counter: number }
  | { readonly ok: false; readonly reason: AppAttestAssertionReasonCode };

/**
 * Checks a session-start assertion (docs/token-issuer.md, "Fresh attestation"): the signature must be
 * one of the device's App Attest keys' over SHA-256(authenticatorData ‖ SHA-256(clientData)), clientData
 * = `appAttestSessionStartClientData(bindingKeyId, ekm)` recomputed here — so the binding key's own
 * signature, an assertion for another binding key or another connection are `SIGNATURE_INVALID` —, its
 * rpIdHash the app id's (`RP_ID_MISMATCH`), and its counter above the key's previous one
 * (`COUNTER_NOT_INCREASING`).
 *
 * Each key is tried in turn: only a key whose signature verifies can give any answer but
 * `SIGNATURE_INVALID`, and a malformed or oversized assertion is the same for every key.
 */
export function checkSessionStartAssertion(
  input: SessionStartAssertion,
): SessionStartAssertionOutcome {
  assert(
    input.appAttestKeys.length > 0 && input.appAttestKeys.length <= appAttestKeysPerDeviceMax,
    'one to appAttestKeysPerDeviceMax App Attest keys',
  );
  const clientDataHash = appAttestSessionStartClientDataHash({
    bindingKeyId: input.bindingKeyId,
    ekm: input.ekm,
  });
  for (const key of input.appAttestKeys) {
    assert(
      key.keyId !== input.bindingKeyId,
      'the binding key is a Secure Enclave key, never the App Attest key',
    );
    const result = verifyAppAttestAssertion({
      assertion: input.assertion,
      clientDataHash,
      publicKeyJwk: key.publicJwk,
      appId: input.appId,
      previousCounter: key.previousCounter,
    });
    if (result.ok) {
      assert(
        result.verdict.keyId === key.keyId && result.verdict.counter > key.previousCounter,
        'the verdict is this key’s, with a greater counter',
      );
      return { ok: true, keyId: key.keyId, counter: result.verdict.counter };
    }
    if (result.reasonCode !== 'SIGNATURE_INVALID') return { ok: false, reason: result.reasonCode };
  }
  return { ok: false, reason: 'SIGNATURE_INVALID' };
}
