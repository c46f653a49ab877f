import { type KeyPurpose } from '../formats';
import { checkAcceptedLevel } from '../checks/check-accepted-level';
import { checkAttestedSpki } from '../checks/check-attested-key';
import { checkChallenge } from '../checks/check-challenge';
import { decodeCborEvidence } from '../checks/decode-cbor-evidence';
import { type RegisteredKey } from '../checks/registered-key';
import { type AttestationRejection, passed } from '../checks/rejection';
import { assert } from '../errors';
import { type AndroidAttestationPolicy } from '../policy/attestation-policy';
import { type AttestationResult } from '../result';
import { parseCertificateChain } from '../x509/parse-certificate-chain';
import { verifyCertificateChain } from '../x509/verify-certificate-chain';
import { checkAndroidCertificateValidity } from './check-android-certificate-validity';
import { checkApplicationId } from './check-application-id';
import { checkKeyOrigin } from './check-key-origin';
import { checkKeyPurpose } from './check-key-purpose';
import { checkRevocationStatus } from './check-revocation-status';
import { checkRootOfTrust, rootOfTrustNotAttested } from './check-root-of-trust';
import { checkUserAuthentication, requiresUserAuthentication } from './check-user-authentication';
import { enforcedAuthorizations, levelOfKeyDescription } from './key-description';
import { parseKeyDescription } from './parse-key-description';

/** What {@link verifyAndroidKey} needs from `verifyAttestation`'s checked input. */
export interface AndroidKeyInput {
  readonly evidence: Uint8Array;
  readonly expectedChallenge: Uint8Array;
  readonly keyToRegister: RegisteredKey;
  readonly purpose: KeyPurpose;
  readonly policy: AndroidAttestationPolicy;
  readonly now: Date;
}

/**
 * Android Key Attestation. The evidence is a deterministic-CBOR array of the DER certificates of
 * `KeyStore.getCertificateChain(alias)`, leaf first. Checks, in this order (the first failure is
 * the reason): the chain (pinned root, signatures, CA constraints, validity at `now` by Google's
 * rule: see `checkAndroidCertificateValidity`); the
 * revocation status of every certificate; the KeyDescription extension (in the leaf only); the
 * challenge; the attested key; the security level; purpose SIGN only; origin GENERATED; the
 * application id; the root of trust (not attested, hence not checked, for a software key: see
 * `rootOfTrustNotAttested`); for payment keys, user authentication.
 */
export async function verifyAndroidKey(input: AndroidKeyInput): Promise<AttestationResult> {
  const { policy } = input;
  const decoded = decodeCborEvidence(input.evidence, 'android-key evidence');
  if (!decoded.ok) return decoded;
  const chain = parseCertificateChain(decoded.value, 'the certificate chain');
  if (!chain.ok) return chain;
  const verified = await verifyCertificateChain(
    chain.value,
    policy.trustAnchors,
    input.now,
    checkAndroidCertificateValidity,
  );
  if (!verified.ok) return verified;
  const revoked = checkRevocationStatus(chain.value, policy.revocationStatusList, input.now);
  if (revoked !== undefined) return revoked;

  const description = parseKeyDescription(verified.value.certificates);
  if (!description.ok) return description;
  const keyDescription = description.value;
  const challenge = checkChallenge(keyDescription.attestationChallenge, input.expectedChallenge);
  if (challenge !== undefined) return challenge;
  const leafKey = new Uint8Array(chain.value[0]!.publicKey.rawData);
  const attestedKey = checkAttestedSpki(leafKey, input.keyToRegister, policy.keyAlgorithms);
  if (!attestedKey.ok) return attestedKey;
  const level = levelOfKeyDescription(keyDescription);
  const enforced = enforcedAuthorizations(keyDescription);
  const propertyFailure: AttestationRejection | undefined =
    checkAcceptedLevel(level, policy.acceptedLevels) ??
    checkKeyPurpose(enforced) ??
    checkKeyOrigin(enforced);
  if (propertyFailure !== undefined) return propertyFailure;
  const application = checkApplicationId(keyDescription, policy.applications);
  if (!application.ok) return application;
  const rootOfTrust =
    level === 'software' ? passed(rootOfTrustNotAttested) : checkRootOfTrust(enforced, policy);
  if (!rootOfTrust.ok) return rootOfTrust;
  const userAuthentication = checkUserAuthentication(
    enforced,
    input.purpose,
    policy.paymentKeyAuthenticationValidityMaxSeconds,
  );
  if (userAuthentication !== undefined) return userAuthentication;

  const { anchor } = verified.value;
  assert(
    attestedKey.value.keyId === input.keyToRegister.keyId,
    'an accepted key is the key being registered',
  );
  return {
    ok: true,
    verdict: {
      format: 'android-key',
      level,
      publicKeyJwk: attestedKey.value.publicKeyJwk,
      keyId: attestedKey.value.keyId,
      properties: {
        format: 'android-key',
        trustAnchor: { name: anchor.name, spkiSha256: anchor.spkiSha256 },
        attestationVersion: keyDescription.attestationVersion,
        attestationSecurityLevel: keyDescription.attestationSecurityLevel,
        keymasterVersion: keyDescription.keymasterVersion,
        keymasterSecurityLevel: keyDescription.keymasterSecurityLevel,
        ...application.value,
        ...rootOfTrust.value,
        userAuthenticationRequired: requiresUserAuthentication(enforced),
        osPatchLevel: enforced.osPatchLevel ?? null,
        skippedAuthorizationTags: keyDescription.skippedAuthorizationTags,
      },
    },
  };
}
