import { type PublicJwk, importSpki, isCryptoError } from '@settle/crypto';
import { isBytes } from '@settle/crypto/encoding/bytes';
import { checkAcceptedLevel } from '../checks/check-accepted-level';
import { checkAttestedJwk, checkAttestedSpki } from '../checks/check-attested-key';
import { type RegisteredKey, registeredKeyOf } from '../checks/registered-key';
import { type Checked, passed, reject } from '../checks/rejection';
import { assert } from '../errors';
import { type KeyPurpose } from '../formats';
import { type IosAttestationPolicy } from '../policy/attestation-policy';
import { type AttestationResult, type VerifiedTrustAnchor } from '../result';
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
  readonly purpose: KeyPurpose;
  readonly policy: IosAttestationPolicy;
  readonly now: Date;
}

/** What an App Attest attestation object established about the App Attest key it certifies. */
export interface AttestedAppAttestKey {
  /** The App Attest key (the certified key, equal to the one in the authenticator data). */
  readonly key: RegisteredKey;
  /** The configured app id whose SHA-256 is the rpIdHash. */
  readonly appId: string;
  /** Apple's key id (base64 SHA-256 of the raw point): the credential id. */
  readonly appleKeyId: string;
  readonly trustAnchor: VerifiedTrustAnchor;
  readonly receipt: Uint8Array;
}

/** The certified key, when no key is expected: only its algorithm is checked. */
function certifiedKeyOf(
  subjectPublicKeyInfo: Uint8Array,
  policy: IosAttestationPolicy,
): Checked<RegisteredKey> {
  let jwk: PublicJwk;
  try {
    jwk = importSpki(subjectPublicKeyInfo);
  } catch (error) {
    if (!isCryptoError(error, 'ERR_KEY_ENCODING_INVALID')) throw error;
    return reject('KEY_ALGORITHM_NOT_ALLOWED', 'the attested key is not a P-256 or Ed25519 key');
  }
  return checkAttestedJwk(jwk, registeredKeyOf(jwk), policy.keyAlgorithms);
}

/**
 * Verifies an App Attest attestation object (Apple's "Validating apps that connect to your server",
 * steps 1–9), in this order: the x5c chain to the App Attestation root at `now`; the nonce (challenge
 * and authenticator data); the certified key (is `expectedKey` when one is given; else of an allowed
 * algorithm), and the one in the authenticator data is the same; Apple's key id is the credential id;
 * rpIdHash; counter 0; the environment's AAGUID; the level (`secure-enclave`). The receipt is returned,
 * not checked (it feeds Apple's fraud metric, a separate service).
 */
export async function verifyAppAttestObject(
  input: Omit<AppleAppAttestInput, 'keyToRegister' | 'purpose'>,
  expectedKey: RegisteredKey | null,
): Promise<Checked<AttestedAppAttestKey>> {
  const { policy } = input;
  const object = decodeAttestationObject(input.evidence, 'apple-appattest', {
    required: ['x5c', 'receipt'],
  });
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
  const nonce = checkAppleNonce(
    certifiedNonce.value,
    object.value.authenticatorData,
    input.expectedChallenge,
  );
  if (nonce !== undefined) return nonce;

  const certifiedSpki = new Uint8Array(leaf.publicKey.rawData);
  const attestedKey =
    expectedKey === null
      ? certifiedKeyOf(certifiedSpki, policy)
      : checkAttestedSpki(certifiedSpki, expectedKey, policy.keyAlgorithms);
  if (!attestedKey.ok) return attestedKey;
  const credentialKey = coseKeyToJwk(data.credentialPublicKey);
  if (!credentialKey.ok) return credentialKey;
  const sameKey = checkAttestedJwk(
    credentialKey.value.publicKeyJwk,
    attestedKey.value,
    policy.keyAlgorithms,
  );
  if (!sameKey.ok) return sameKey;
  const appleKeyId = checkCredentialId(attestedKey.value.publicKeyJwk, data.credentialId);
  if (!appleKeyId.ok) return appleKeyId;
  const appId = checkRpIdHash(data.rpIdHash, policy.appIds);
  if (!appId.ok) return appId;
  const failure =
    checkCounterIsZero(data.signCount) ??
    checkAppAttestAaguid(data.aaguid, policy.environment) ??
    checkAcceptedLevel('secure-enclave', policy.acceptedLevels);
  if (failure !== undefined) return failure;

  assert(
    expectedKey === null || attestedKey.value.keyId === expectedKey.keyId,
    'an expected key is the certified key',
  );
  const { anchor } = verified.value;
  return passed({
    key: attestedKey.value,
    appId: appId.value,
    appleKeyId: appleKeyId.value,
    trustAnchor: { name: anchor.name, spkiSha256: anchor.spkiSha256 },
    receipt: receipt.slice(),
  });
}

/**
 * Apple App Attest for a key that **is** the App Attest key (payment keys): the evidence is the
 * attestation object as `attestKey` returns it, and the certified key must be the key being registered
 * ({@link verifyAppAttestObject}). A binding key cannot be one (an App Attest key signs only through
 * `generateAssertion`, never TLS or DPoP): `verifyAttestation` sends binding keys to
 * `verifyAppAttestVouchedKey`.
 */
export async function verifyAppleAppAttest(input: AppleAppAttestInput): Promise<AttestationResult> {
  const attested = await verifyAppAttestObject(input, input.keyToRegister);
  if (!attested.ok) return attested;
  const { key, trustAnchor, appId, appleKeyId, receipt } = attested.value;
  assert(key.keyId === input.keyToRegister.keyId, 'an accepted key is the key being registered');
  return {
    ok: true,
    verdict: {
      format: 'apple-app-attest',
      level: 'secure-enclave',
      publicKeyJwk: key.publicKeyJwk,
      keyId: key.keyId,
      properties: {
        format: 'apple-app-attest',
        trustAnchor,
        appId,
        environment: input.policy.environment,
        appleKeyId,
        userAuthenticationRequired: 'not-attested',
        receipt,
        vouchedBy: null,
      },
    },
  };
}
