import { sha256 } from '@noble/hashes/sha2.js';
import { type PublicJwk, bytesToHex, importSpki, isCryptoError } from '@settle/crypto';
import { checkAcceptedLevel } from '../checks/check-accepted-level';
import { checkAttestedJwk } from '../checks/check-attested-key';
import { concatBytes } from '../checks/concat-bytes';
import { type RegisteredKey } from '../checks/registered-key';
import { type Checked, passed, reject } from '../checks/rejection';
import { assert } from '../errors';
import { type AttestationLevel, type KeyPurpose } from '../formats';
import { type WebAttestationPolicy } from '../policy/attestation-policy';
import { type AttestationResult, type VerifiedTrustAnchor } from '../result';
import { checkRpIdHash } from '../webauthn/check-rp-id-hash';
import { coseKeyToJwk } from '../webauthn/cose-key-to-jwk';
import { decodeAttestationObject } from '../webauthn/decode-attestation-object';
import { parseAuthenticatorData } from '../webauthn/parse-authenticator-data';
import { parseCertificateChain } from '../x509/parse-certificate-chain';
import { verifyCertificateChain } from '../x509/verify-certificate-chain';
import { checkClientData } from './check-client-data';
import { checkPackedCertificate } from './check-packed-certificate';
import { decodeWebAuthnEvidence } from './decode-webauthn-evidence';
import { verifyPackedSignature } from './verify-packed-signature';

/** What {@link verifyWebAuthnPacked} needs from `verifyAttestation`'s checked input. */
export interface WebAuthnPackedInput {
  readonly evidence: Uint8Array;
  readonly expectedChallenge: Uint8Array;
  readonly keyToRegister: RegisteredKey;
  readonly purpose: KeyPurpose;
  readonly policy: WebAttestationPolicy;
  readonly now: Date;
}

interface PackedStatement {
  readonly level: AttestationLevel;
  readonly trustAnchor: VerifiedTrustAnchor | null;
}

/** `x5c` attestation: the chain to a configured vendor root, then the signature by its leaf. */
async function verifyX5cStatement(
  x5c: unknown,
  statement: ReadonlyMap<string, unknown>,
  aaguid: Uint8Array,
  signedData: Uint8Array,
  input: WebAuthnPackedInput,
): Promise<Checked<PackedStatement>> {
  const chain = parseCertificateChain(x5c, 'x5c');
  if (!chain.ok) return chain;
  if (input.policy.trustAnchors.length === 0)
    return reject('ROOT_NOT_TRUSTED', 'no authenticator vendor root is configured');
  const verified = await verifyCertificateChain(chain.value, input.policy.trustAnchors, input.now);
  if (!verified.ok) return verified;
  const leaf = verified.value.certificates[0]!;
  const certificateFailure = checkPackedCertificate(leaf, aaguid);
  if (certificateFailure !== undefined) return certificateFailure;
  let attestationKey: PublicJwk;
  try {
    attestationKey = importSpki(new Uint8Array(leaf.publicKey.rawData));
  } catch (error) {
    if (!isCryptoError(error, 'ERR_KEY_ENCODING_INVALID')) throw error;
    return reject(
      'SIGNATURE_INVALID',
      'the attestation certificate key is not a P-256 or Ed25519 key',
    );
  }
  const signatureFailure = verifyPackedSignature(
    statement.get('alg'),
    statement.get('sig'),
    attestationKey,
    signedData,
  );
  if (signatureFailure !== undefined) return signatureFailure;
  const anchor = input.policy.trustAnchors.find(
    (candidate) => candidate.spkiSha256 === verified.value.anchor.spkiSha256,
  )!;
  return passed({
    level: anchor.level,
    trustAnchor: { name: anchor.name, spkiSha256: anchor.spkiSha256 },
  });
}

/**
 * WebAuthn `packed` attestation (WebAuthn L3 §8.2), for web wallets. With `x5c`, a certificate of
 * the authenticator's vendor, chained to a configured root, signed the registration: the level is
 * the one configured for that root. Without it (self attestation) the new key signed its own
 * registration: proof of possession only, level `software`. Then, in this order: the client data
 * (type, challenge, origin); the rpIdHash; user presence; the attested key is the key being
 * registered; for payment keys, user verification (UV); the level.
 */
export async function verifyWebAuthnPacked(input: WebAuthnPackedInput): Promise<AttestationResult> {
  const { policy } = input;
  const registration = decodeWebAuthnEvidence(input.evidence);
  if (!registration.ok) return registration;
  const object = decodeAttestationObject(registration.value.attestationObject, 'packed', {
    required: ['alg', 'sig'],
    optional: ['x5c'],
  });
  if (!object.ok) return object;
  const authenticatorData = parseAuthenticatorData(object.value.authenticatorData);
  if (!authenticatorData.ok) return authenticatorData;
  const data = authenticatorData.value;
  const credentialKey = coseKeyToJwk(data.credentialPublicKey);
  if (!credentialKey.ok) return credentialKey;

  const statement = object.value.attestationStatement;
  const signedData = concatBytes(
    object.value.authenticatorData,
    sha256(registration.value.clientDataJson),
  );
  const x5c = statement.get('x5c');
  let packed: Checked<PackedStatement>;
  if (x5c !== undefined) {
    packed = await verifyX5cStatement(x5c, statement, data.aaguid, signedData, input);
  } else {
    const selfFailure = verifyPackedSignature(
      statement.get('alg'),
      statement.get('sig'),
      credentialKey.value.publicKeyJwk,
      signedData,
    );
    packed = selfFailure ?? passed({ level: 'software', trustAnchor: null });
  }
  if (!packed.ok) return packed;

  const clientData = checkClientData(
    registration.value.clientDataJson,
    input.expectedChallenge,
    policy.origins,
  );
  if (!clientData.ok) return clientData;
  const rpId = checkRpIdHash(data.rpIdHash, [policy.rpId]);
  if (!rpId.ok) return rpId;
  if (!data.userPresent) return reject('EVIDENCE_MALFORMED', 'the user-present flag is not set');
  const attestedKey = checkAttestedJwk(
    credentialKey.value.publicKeyJwk,
    input.keyToRegister,
    policy.keyAlgorithms,
  );
  if (!attestedKey.ok) return attestedKey;
  if (input.purpose === 'payment' && !data.userVerified)
    return reject(
      'USER_AUTHENTICATION_NOT_REQUIRED',
      'the payment key was created without user verification (UV flag)',
    );
  const levelFailure = checkAcceptedLevel(packed.value.level, policy.acceptedLevels);
  if (levelFailure !== undefined) return levelFailure;

  assert(
    attestedKey.value.keyId === input.keyToRegister.keyId,
    'an accepted key is the key being registered',
  );
  return {
    ok: true,
    verdict: {
      format: 'webauthn-packed',
      level: packed.value.level,
      publicKeyJwk: attestedKey.value.publicKeyJwk,
      keyId: attestedKey.value.keyId,
      properties: {
        format: 'webauthn-packed',
        attestationType: packed.value.trustAnchor === null ? 'self' : 'x5c',
        trustAnchor: packed.value.trustAnchor,
        aaguid: bytesToHex(data.aaguid),
        origin: clientData.value.origin,
        userVerified: data.userVerified,
        signCount: data.signCount,
      },
    },
  };
}
