import { Inject, Injectable } from '@nestjs/common';
import { AttestationError } from '@settle/attestation';
import { attestationCompletedV1 } from '@settle/contracts';
import {
  eventCause,
  type EventConsumer,
  type EventsOf,
  newEvent,
  Outbox,
  PermanentEventError,
  type SqlExecutor,
  unexpectedEvent,
} from '@settle/messaging';
import { type Clock, CLOCK, type Logger, PLATFORM_LOGGER } from '@settle/platform';
import { type AttestationPolicies } from './attestation-policies';
import { VERIFIER_ATTESTATION_POLICIES } from './attestation-policies.module';
import { AndroidRevocationStatus } from './android-revocation-status';
import { judgeAttestationRequest } from './judge-attestation';

/**
 * Verifies the evidence of every `attestation.requested` and publishes `attestation.completed` through
 * the outbox in the inbox's transaction. The request id is the business key of
 * verifier_attestation_results: a request judged once is never judged or published again.
 */
@Injectable()
export class AttestationRequestsConsumer implements EventConsumer {
  readonly name = 'attestation-requests';
  readonly topics = ['registry.attestation-requests.v1'] as const;

  constructor(
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(VERIFIER_ATTESTATION_POLICIES) private readonly policies: AttestationPolicies,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
    private readonly revocationStatus: AndroidRevocationStatus,
  ) {}

  readonly handle = async (
    sql: SqlExecutor,
    events: EventsOf<AttestationRequestsConsumer['topics']>,
  ): Promise<void> => {
    for (const { envelope } of events) {
      if (envelope.type !== 'attestation.requested')
        throw unexpectedEvent(envelope.type, 'the verifier does not handle this event here');
      // decodeEvent upcast a v1 request already: every request here has `registeredClass`.
      const request = envelope.payload;
      const known = await sql.query(
        'SELECT 1 FROM verifier_attestation_results WHERE request_id = $1',
        [request.requestId],
      );
      if (known.rows.length > 0) {
        this.logger.debug(
          { requestId: request.requestId, keyId: request.keyId },
          'attestation request already judged; nothing published',
        );
        continue;
      }
      const now = this.clock.now();
      let judgement;
      try {
        judgement = await judgeAttestationRequest(
          request,
          this.policies,
          this.revocationStatus.current(),
          now,
        );
      } catch (error) {
        if (error instanceof AttestationError)
          throw new PermanentEventError(
            'ATTESTATION_REQUEST_INVALID',
            `${error.code}: ${error.message}`,
          );
        throw error;
      }
      const { completed, preciseReasonCode, detail, policyClass } = judgement;
      const completedEvent = newEvent(
        attestationCompletedV1,
        completed,
        eventCause(envelope, completed.verifiedAt),
        'verifier',
      );
      const inserted = await sql.query(
        `INSERT INTO verifier_attestation_results
           (request_id, key_id, owner_kind, owner_id, purpose, format, verdict, level, reason_code, precise_reason_code, detail, policy_device_class, verified_at, event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (request_id) DO NOTHING RETURNING request_id`,
        [
          request.requestId,
          request.keyId,
          request.owner.kind,
          request.owner.id,
          request.purpose,
          request.format,
          completed.verdict,
          completed.level,
          completed.reasonCode,
          preciseReasonCode,
          detail,
          policyClass,
          completed.verifiedAt,
          completedEvent.eventId,
        ],
      );
      if (inserted.rows.length === 0) continue;
      await this.outbox.append(sql, [completedEvent]);
      this.logger.info(
        {
          requestId: request.requestId,
          keyId: request.keyId,
          format: request.format,
          policyClass,
          verdict: completed.verdict,
          level: completed.level,
          reasonCode: completed.reasonCode,
          preciseReasonCode,
          detail,
        },
        `attestation ${completed.verdict}`,
      );
    }
  };
}
