import {
  type AndroidRevocationStatusList,
  type AttestationReasonCode,
  type AttestationResult,
  verifyAttestation,
} from '@settle/attestation';
import {
  type AttestationCompletedV1,
  type AttestationRequestedV2,
  type RegisteredKeyClass,
} from '@settle/contracts';
import { type AttestationPolicies, policyForRegisteredClass } from './attestation-policies';
import { v1ReasonCodeOf } from './reason-codes';

/** The verdict as published, plus what only the verifier's table and logs keep. */
export interface AttestationJudgement {
  readonly completed: AttestationCompletedV1;
  /** The library's own code (may be newer than v1); null when accepted. */
  readonly preciseReasonCode: AttestationReasonCode | null;
  /** For people (logs, the table), never for code. */
  readonly detail: string | null;
  /** The registered class whose policy judged; `unregistered` for a (v1) request that named none. */
  readonly policyClass: RegisteredKeyClass | 'unregistered';
}

function bytesOf(base64url: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64url, 'base64url'));
}

/** A v1 request upcast for a device does not say what was registered: no policy may be guessed from the evidence. */
const unregisteredClass: AttestationResult = {
  ok: false,
  reasonCode: 'FORMAT_NOT_ALLOWED',
  detail:
    'the request names no registered class (an attestation.requested v1 for a device): the device must enrol again',
};

/**
 * Verifies one request's evidence with the policy of the owner's registered class at `now` (never a
 * policy picked by the declared format). Evidence problems are a rejected verdict; caller mistakes
 * (AttestationError) are thrown, as the library throws them.
 */
export async function judgeAttestationRequest(
  request: AttestationRequestedV2,
  policies: AttestationPolicies,
  revocationStatusList: AndroidRevocationStatusList | undefined,
  now: Date,
): Promise<AttestationJudgement> {
  const registeredClass = request.registeredClass;
  const result =
    registeredClass === null
      ? unregisteredClass
      : await verifyAttestation({
          format: request.format,
          evidence: bytesOf(request.evidence),
          expectedChallenge: bytesOf(request.challenge),
          keyToRegister: { ...request.publicKeyJwk },
          purpose: request.purpose,
          policy: policyForRegisteredClass(policies, registeredClass, revocationStatusList),
          now,
        });
  const common = {
    requestId: request.requestId,
    keyId: request.keyId,
    format: request.format,
    verifiedAt: now.toISOString(),
  };
  const policyClass = registeredClass ?? 'unregistered';
  if (result.ok) {
    return {
      completed: { ...common, verdict: 'accepted', reasonCode: null, level: result.verdict.level },
      preciseReasonCode: null,
      detail: null,
      policyClass,
    };
  }
  return {
    completed: {
      ...common,
      verdict: 'rejected',
      reasonCode: v1ReasonCodeOf[result.reasonCode],
      level: null,
    },
    preciseReasonCode: result.reasonCode,
    detail: result.detail,
    policyClass,
  };
}
