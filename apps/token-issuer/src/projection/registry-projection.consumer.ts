import { Inject, Injectable } from '@nestjs/common';
import {
  eventCause,
  type EventConsumer,
  type EventsOf,
  Outbox,
  type SqlExecutor,
  unexpectedEvent,
} from '@settle/messaging';
import { type Clock, CLOCK } from '@settle/platform';
import {
  endSessionsOfKey,
  saveAttestationLevel,
  saveDevice,
  saveKey,
  saveTerminal,
} from '../adapters/token-issuer-store';
import { endReasonForKeyState } from '../domain/session-rules';
import { sessionEndedEvent } from '../sessions/session-events';

/**
 * The token issuer's own projection of the registry's events: binding keys with their state, device →
 * account, terminal → merchant. When a binding
 * key leaves `active`, its open sessions end in the same transaction and `session.ended` goes out
 * through the outbox (DESIGN §7: revocation ends sessions, not merely when tokens expire).
 */
@Injectable()
export class RegistryProjectionConsumer implements EventConsumer {
  readonly name = 'registry-projection';
  readonly topics = [
    'registry.key-lifecycle.v1',
    'registry.devices.v1',
    'registry.terminals.v1',
  ] as const;

  constructor(
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  readonly handle = async (
    sql: SqlExecutor,
    events: EventsOf<RegistryProjectionConsumer['topics']>,
  ): Promise<void> => {
    for (const { envelope } of events) {
      const now = this.clock.now();
      switch (envelope.type) {
        case 'key.lifecycle-changed': {
          const key = envelope.payload;
          const applied = await saveKey(sql, key, now.toISOString());
          const reason = endReasonForKeyState(key.state);
          if (!applied || reason === null) break;
          const ended = await endSessionsOfKey(sql, key.keyId, reason, now);
          const cause = eventCause(envelope, now.toISOString());
          if (ended.length > 0)
            await this.outbox.append(
              sql,
              ended.map((sessionId) => sessionEndedEvent(sessionId, reason, cause)),
            );
          break;
        }
        case 'device.enrolled': {
          const device = envelope.payload;
          await saveDevice(sql, device.deviceId, device.accountId);
          break;
        }
        case 'terminal.registered': {
          const terminal = envelope.payload;
          await saveTerminal(sql, terminal.terminalId, terminal.merchantId);
          break;
        }
        default:
          throw unexpectedEvent(envelope, 'the token issuer does not handle this event here');
      }
    }
  };
}

/**
 * Each key's attestation level (the `att.level` of its tokens) and format (an iOS device's App Attest
 * key is its payment key of format `apple-app-attest`: fresh App Attest evidence is checked with it)
 * from the verifier's accepted `attestation.completed` results. A consumer of its own: without it (e.g. no Kafka ACL for the topic
 * yet) sessions still start, with the documented default level, and the key projection is unaffected.
 */
@Injectable()
export class AttestationLevelsConsumer implements EventConsumer {
  readonly name = 'attestation-levels';
  readonly topics = ['verifier.attestation-results.v1'] as const;

  readonly handle = async (
    sql: SqlExecutor,
    events: EventsOf<AttestationLevelsConsumer['topics']>,
  ): Promise<void> => {
    for (const { envelope } of events) {
      if (envelope.type !== 'attestation.completed')
        throw unexpectedEvent(envelope.type, 'the token issuer does not handle this event here');
      const result = envelope.payload;
      if (result.verdict === 'accepted' && result.level !== null)
        await saveAttestationLevel(sql, result.keyId, result.level, result.format);
    }
  };
}
