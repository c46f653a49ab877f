import { isBytes } from '@settle/crypto/encoding/bytes';
import { checkAcceptedLevel } from '../checks/check-accepted-level';
import { checkAttestedJwk, checkAttestedSpki } from '../checks/check-attested-key';
import { type RegisteredKey } from '../checks/registered-key';
import { reject } from '../checks/rejection';
import { assert } from '../errors';
import { type IosAttestationPolicy } from '../policy/attestation-policy';
import { type AttestationResult } from '../result';
import { coseKeyToJwk } from '../webauthn/cose-key-to-jwk';
import { checkRpIdHash } from '../webauthn/check-rp-id-hash';
import { decodeAttestationObject } from '../webauthn/decode-attestation-object';
import { parseAuthenticatorData } from '../webauthn/parse-authenticator-data';
import { parseCertificateChain } from '../x509/parse-certificate-chain';
import { verifyCertificateChain } from '../x509/verify-certificate-chain';
import { readAppleNonce } from './apple-nonce-extension';
import { checkAppAttestAaguid } from './check-app-attest-aaguid';
import { checkAppleNonce } from './check-apple-nonce';
import { checkCounterIsZero } from './check-counter';
import { checkCredentialId } from './check-credential-id';

/** What {@link verifyAppleAppAttest} needs from `verifyAttestation`'s checked input. */
export interface AppleAppAttestInput {
  readonly evidence: Uint8Array;
  readonly expectedChallenge: Uint8Array;
  readonly keyToRegister: RegisteredKey;
  readonly policy: IosAttestationPolicy;
  readonly now: Date;
}

/**
 * Apple App Attest (Apple's "Validating apps that connect to your server", steps 1–9). The evidence
 * is the attestation object as `attestKey` returns it. Checks, in this order: the x5c chain to the
 * App Attestation root at `now`; the nonce (challenge and authenticator data); the certified key is
 * the key being registered, and the one in the authenticator data; Apple's key id is the
 * credential id; rpIdHash; counter 0; the environment's AAGUID; the level (`secure-enclave`).
 * The receipt is returned, not checked (it feeds Apple's fraud metric, a separate service).
 */
export async function verifyAppleAppAttest(input: AppleAppAttestInput): Promise<AttestationResult> {
  const { policy } = input;
  const object = decodeAttestationObject(input.evidence, 'apple-appattest', { required: ['x5c', 'receipt'] });
  if (!object.ok) return object;
  const receipt = object.value.attestationStatement.get('receipt');
  if (!isBytes(receipt)) return reject('EVIDENCE_MALFORMED', 'the receipt is not a byte string');
  const chain = parseCertificateChain(object.value.attestationStatement.get('x5c'), 'x5c');
  if (!chain.ok) return chain;
  const verified = await verifyCertificateChain(chain.value, policy.trustAnchors, input.now);
  if (!verified.ok) return verified;
  const leaf = verified.value.certificates[0]!;

  const authenticatorData = parseAuthenticatorData(object.value.authenticatorData);
  if (!authenticatorData.ok) return authenticatorData;
  const data = authenticatorData.value;
  const certifiedNonce = readAppleNonce(leaf);
  if (!certifiedNonce.ok) return certifiedNonce;
  const nonce = checkAppleNonce(certifiedNonce.value, object.value.authenticatorData, input.expectedChallenge);
  if (nonce !== undefined) return nonce;

  const attestedKey = checkAttestedSpki(new Uint8Array(leaf.publicKey.rawData), input.keyToRegister, policy.keyAlgorithms);
  if (!attestedKey.ok) return attestedKey;
  const credentialKey = coseKeyToJwk(data.credentialPublicKey);
  if (!credentialKey.ok) return credentialKey;
  const sameKey = checkAttestedJwk(credentialKey.value.publicKeyJwk, input.keyToRegister, policy.keyAlgorithms);
  if (!sameKey.ok) return sameKey;
  const appleKeyId = checkCredentialId(attestedKey.value.publicKeyJwk, data.credentialId);
  if (!appleKeyId.ok) return appleKeyId;
  const appId = checkRpIdHash(data.rpIdHash, policy.appIds);
  if (!appId.ok) return appId;
  const failure = checkCounterIsZero(data.signCount) ?? checkAppAttestAaguid(data.aaguid, policy.environment) ?? checkAcceptedLevel('secure-enclave', policy.acceptedLevels);
  if (failure !== undefined) return failure;

  assert(attestedKey.value.keyId === input.keyToRegister.keyId, 'an accepted key is the key being registered');
  const { anchor } = verified.value;
  return {
    ok: true,
    verdict: {
      format: 'apple-app-attest',
      level: 'secure-enclave',
      publicKeyJwk: attestedKey.value.publicKeyJwk,
      keyId: attestedKey.value.keyId,
      properties: {
        format: 'apple-app-attest',
        trustAnchor: { name: anchor.name, spkiSha256: anchor.spkiSha256 },
        appId: appId.value,
        environment: policy.environment,
        appleKeyId: appleKeyId.value,
        userAuthenticationRequired: 'not-attested',
        receipt: receipt.slice(),
      },
    },
  };
}
