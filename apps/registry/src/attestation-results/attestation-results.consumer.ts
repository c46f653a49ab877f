import { Inject, Injectable } from '@nestjs/common';
import { keyLifecycleChangedV1 } from '@settle/contracts';
import {
  eventCause,
  type EventConsumer,
  type EventsOf,
  Outbox,
  PermanentEventError,
  type SqlExecutor,
  unexpectedEvent,
} from '@settle/messaging';
import { type Clock, CLOCK } from '@settle/platform';
import { applyOfflineCommand } from '../adapters/offline-writer';
import {
  keyPayload,
  loadKeys,
  loadOwnerKeysInUse,
  saveHistories,
} from '../adapters/postgres/registry-store';
import { registryEvent } from '../adapters/registry-events';
import { currentState } from '../domain/key-lifecycle';
import { decideAttestationVerdict, retireReplacedKeys } from './attestation-results.decider';

/**
 * Activates or rejects a pending key on the verifier's verdict (`attestation.completed`) and publishes
 * the key's whole history. An activated key retires the owner's key of its purpose that was in use
 * (rotated, superseded) and lifts a device's suspension for its old payment key; a rejected one
 * leaves the key in use as it was. A verdict for a key that has moved on (superseded, revoked) changes nothing;
 * a verdict for a key or request the registry never issued is dead-lettered (it cannot be "not yet
 * seen": the key row commits before its attestation.requested is published).
 */
@Injectable()
export class AttestationResultsConsumer implements EventConsumer {
  readonly name = 'attestation-results';
  readonly topics = ['verifier.attestation-results.v1'] as const;

  constructor(
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  readonly handle = async (
    sql: SqlExecutor,
    events: EventsOf<AttestationResultsConsumer['topics']>,
  ): Promise<void> => {
    for (const { envelope } of events) {
      if (envelope.type !== 'attestation.completed')
        throw unexpectedEvent(envelope.type, 'the registry does not handle this event here');
      const verdict = envelope.payload;
      const [key] = await loadKeys(sql, [verdict.keyId]);
      if (!key)
        throw new PermanentEventError('UNKNOWN_KEY', `no key ${verdict.keyId} was registered`);
      const now = this.clock.now().toISOString();
      const decision = decideAttestationVerdict(
        { history: key.history, attestationRequestId: key.attestationRequestId },
        verdict,
        now,
      );
      switch (decision.outcome) {
        case 'request-mismatch':
          throw new PermanentEventError(
            'ATTESTATION_REQUEST_MISMATCH',
            `verdict ${verdict.requestId} is not for the request of key ${verdict.keyId}`,
          );
        case 'ignored':
          continue;
        case 'changed': {
          const changed = { ...key, history: decision.history };
          const activated = currentState(changed.history) === 'active';
          // Accepted: the key it replaces is retired now, before the new one becomes active (one key in use per purpose).
          const retired = activated
            ? retireReplacedKeys(
                changed,
                await loadOwnerKeysInUse(sql, key.owner, key.purpose),
                now,
              )
            : [];
          await saveHistories(sql, [...retired, changed]);
          await sql.query('UPDATE registry_keys SET attestation_level = $2 WHERE key_id = $1', [
            key.keyId,
            verdict.level,
          ]);
          const cause = eventCause(envelope, now);
          await this.outbox.append(
            sql,
            [...retired, changed].map((each) =>
              registryEvent(keyLifecycleChangedV1, keyPayload(each), cause),
            ),
          );
          // A device suspended for its old payment key may be trusted offline again once its new one is active.
          if (activated && key.owner.kind === 'device' && key.purpose === 'payment') {
            await applyOfflineCommand(
              sql,
              this.outbox,
              key.owner.id,
              { kind: 'payment-key-restored', reason: 'enrolled' },
              cause,
            );
          }
        }
      }
    }
  };
}
