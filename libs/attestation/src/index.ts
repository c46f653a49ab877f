// @settle/attestation: verification of key attestation evidence (Android Key Attestation, Apple App
// Attest, WebAuthn `packed`, and `none` where a policy allows it) for keys being registered
// (DESIGN §7, §8). Shaped like libs/crypto: one operation or check per file, stable codes, allow-lists
// and trust anchors as parameters, the time passed in. See docs/attestation.md.

export { verifyAttestation, type VerifyAttestationInput } from './verify-attestation';
export {
  verifyAppAttestAssertion,
  type VerifyAppAttestAssertionInput,
} from './apple-app-attest/verify-app-attest-assertion';
export {
  type AppAttestAssertionReasonCode,
  type AppAttestAssertionRejection,
  type AppAttestAssertionResult,
  type AppAttestAssertionVerdict,
  appAttestAssertionReasonCodes,
  appAttestAssertionSizeMaxBytes,
} from './apple-app-attest/app-attest-assertion-result';
export {
  type AppAttestKeyVouch,
  type AppAttestKeyVouchEvidence,
  appAttestKeyVouchClientData,
  appAttestKeyVouchClientDataHash,
  appAttestKeyVouchLabel,
  decodeAppAttestKeyVouchEvidence,
  encodeAppAttestKeyVouchEvidence,
} from './apple-app-attest/app-attest-key-vouch';
export {
  type AppAttestSessionStart,
  appAttestSessionStartClientData,
  appAttestSessionStartClientDataHash,
  appAttestSessionStartLabel,
} from './apple-app-attest/app-attest-session-start';
export {
  type AndroidKeyAttestationProperties,
  type AppAttestVoucher,
  type AppleAppAttestProperties,
  type AttestationProperties,
  type AttestationRejection,
  type AttestationResult,
  type AttestationVerdict,
  type NoAttestationProperties,
  type VerifiedTrustAnchor,
  type WebAuthnPackedProperties,
} from './result';
export { type AttestationReasonCode, attestationReasonCodes } from './reason-codes';
export { type AttestationErrorCode, AttestationError, attestationErrorCodes } from './errors';
export {
  type AttestationFormat,
  type AttestationLevel,
  type DeviceClass,
  type KeyPurpose,
  attestationFormats,
  attestationLevels,
  deviceClasses,
  keyPurposes,
} from './formats';
export {
  asn1NestingDepthMax,
  asn1NodesMax,
  attestationChallengeSizeMaxBytes,
  attestationEvidenceSizeMaxBytes,
  certificateChainLengthMax,
} from './limits';

export {
  type AndroidApplication,
  type AndroidAttestationPolicy,
  type AndroidVerifiedBootState,
  type AttestationPolicy,
  type AttestationPolicyCommon,
  type IosAttestationPolicy,
  type WebAttestationPolicy,
  androidVerifiedBootStates,
} from './policy/attestation-policy';
export { checkAttestationPolicy } from './policy/check-attestation-policy';
export {
  type TrustAnchor,
  type WebTrustAnchor,
  spkiSha256Hex,
  trustAnchorFromCertificate,
} from './policy/trust-anchor';
export {
  type AndroidRevocationStatusEntry,
  type AndroidRevocationStatusList,
  androidRevocationStatusListFetched,
  emptyAndroidRevocationStatusList,
  normalizeCertificateSerialNumber,
  parseAndroidRevocationStatusList,
} from './policy/android-revocation-status-list';
