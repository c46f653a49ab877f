import { type AttestationPolicy, type AttestationReasonCode, type DeviceClass, verifyAttestation } from '@settle/attestation';
import { type AttestationCompletedV1, type AttestationRequestedV1 } from '@settle/contracts';
import { type AttestationPolicies, policyForFormat } from './attestation-policies';
import { v1ReasonCodeOf } from './reason-codes';

/** The verdict as published, plus what only the verifier's table and logs keep. */
export interface AttestationJudgement {
  readonly completed: AttestationCompletedV1;
  /** The library's own code (may be newer than v1); null when accepted. */
  readonly preciseReasonCode: AttestationReasonCode | null;
  /** For people (logs, the table), never for code. */
  readonly detail: string | null;
  readonly deviceClass: DeviceClass;
}

function bytesOf(base64url: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64url, 'base64url'));
}

/**
 * Verifies one request's evidence with the policy of its device class at `now`. Evidence problems are
 * a rejected verdict; caller mistakes (AttestationError) are thrown, as the library throws them.
 */
export async function judgeAttestationRequest(request: AttestationRequestedV1, policies: AttestationPolicies, now: Date): Promise<AttestationJudgement> {
  const policy: AttestationPolicy = policyForFormat(policies, request.format);
  const result = await verifyAttestation({
    format: request.format,
    evidence: bytesOf(request.evidence),
    expectedChallenge: bytesOf(request.challenge),
    keyToRegister: { ...request.publicKeyJwk },
    purpose: request.purpose,
    policy,
    now,
  });
  const common = { requestId: request.requestId, keyId: request.keyId, format: request.format, verifiedAt: now.toISOString() };
  if (result.ok) {
    return {
      completed: { ...common, verdict: 'accepted', reasonCode: null, level: result.verdict.level },
      preciseReasonCode: null,
      detail: null,
      deviceClass: policy.deviceClass,
    };
  }
  return {
    completed: { ...common, verdict: 'rejected', reasonCode: v1ReasonCodeOf[result.reasonCode], level: null },
    preciseReasonCode: result.reasonCode,
    detail: result.detail,
    deviceClass: policy.deviceClass,
  };
}
