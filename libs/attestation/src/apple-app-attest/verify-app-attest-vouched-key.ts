import { checkAttestedJwk } from '../checks/check-attested-key';
import { reject } from '../checks/rejection';
import { assert } from '../errors';
import { type AttestationResult } from '../result';
import {
  appAttestKeyVouchClientDataHash,
  decodeAppAttestKeyVouchEvidence,
} from './app-attest-key-vouch';
import { type AppleAppAttestInput, verifyAppAttestObject } from './verify-apple-app-attest';
import { verifyAppAttestAssertion } from './verify-app-attest-assertion';

/**
 * The counter of the App Attest key's attestation: a new key has signed nothing (checked by
 * `verifyAppAttestObject`), so the vouching assertion, its first or a later one, must be greater.
 */
const attestedCounter = 0;

/**
 * A key the app created in the Secure Enclave (`kSecAttrTokenIDSecureEnclave`), vouched for by the
 * app's App Attest key: the evidence is `{ attestationObject, assertion }`
 * (`encodeAppAttestKeyVouchEvidence`). Checks, in this order:
 * 1. the envelope (strict deterministic CBOR, exactly the two byte strings) — `EVIDENCE_MALFORMED`;
 * 2. the attestation object, as for any App Attest key (chain, nonce over the challenge, key id,
 *    rpIdHash, counter 0, environment, level), which yields the App Attest key;
 * 3. the key being registered is of an allowed algorithm (`KEY_ALGORITHM_NOT_ALLOWED`) and is not the
 *    App Attest key itself (`PUBLIC_KEY_MISMATCH`: that key cannot sign TLS or DPoP);
 * 4. the assertion (Apple's "Validating assertions", `verifyAppAttestAssertion`) with the App Attest
 *    key over SHA-256 of `appAttestKeyVouchClientData(purpose, thumbprint of the key being registered,
 *    challenge)`: signature (`SIGNATURE_INVALID`, also when the client data commits to another key,
 *    purpose or challenge), rpIdHash = the attested app id (`RP_ID_MISMATCH`), counter > 0
 *    (`COUNTER_NOT_INCREASING`).
 * The verdict is the registered key at `secure-enclave`, with the App Attest key in `vouchedBy`.
 */
export async function verifyAppAttestVouchedKey(
  input: AppleAppAttestInput,
): Promise<AttestationResult> {
  const { keyToRegister, policy } = input;
  const evidence = decodeAppAttestKeyVouchEvidence(input.evidence);
  if (!evidence.ok) return evidence;
  const attested = await verifyAppAttestObject(
    { ...input, evidence: evidence.value.attestationObject },
    null,
  );
  if (!attested.ok) return attested;
  const appAttestKey = attested.value.key;

  const registered = checkAttestedJwk(
    keyToRegister.publicKeyJwk,
    keyToRegister,
    policy.keyAlgorithms,
  );
  if (!registered.ok) return registered;
  if (appAttestKey.keyId === keyToRegister.keyId) {
    return reject(
      'PUBLIC_KEY_MISMATCH',
      `the key being registered is the App Attest key itself, which signs only assertions: a ${input.purpose} key is a Secure Enclave key it vouches for`,
    );
  }

  const assertion = verifyAppAttestAssertion({
    assertion: evidence.value.assertion,
    clientDataHash: appAttestKeyVouchClientDataHash({
      purpose: input.purpose,
      keyId: keyToRegister.keyId,
      challenge: input.expectedChallenge,
    }),
    publicKeyJwk: appAttestKey.publicKeyJwk,
    appId: attested.value.appId,
    previousCounter: attestedCounter,
  });
  if (!assertion.ok)
    return reject(assertion.reasonCode, `the vouching assertion: ${assertion.detail}`);
  assert(
    assertion.verdict.keyId === appAttestKey.keyId && assertion.verdict.counter > attestedCounter,
    'the assertion is the App Attest key’s, after its attestation',
  );

  const { trustAnchor, appId, appleKeyId, receipt } = attested.value;
  return {
    ok: true,
    verdict: {
      format: 'apple-app-attest',
      level: 'secure-enclave',
      publicKeyJwk: keyToRegister.publicKeyJwk,
      keyId: keyToRegister.keyId,
      properties: {
        format: 'apple-app-attest',
        trustAnchor,
        appId,
        environment: policy.environment,
        appleKeyId,
        userAuthenticationRequired: 'not-attested',
        receipt,
        vouchedBy: {
          keyId: appAttestKey.keyId,
          publicKeyJwk: appAttestKey.publicKeyJwk,
          assertionCounter: assertion.verdict.counter,
        },
      },
    },
  };
}
