import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  deviceCheckedInV1,
  type DeviceCheckInCapV1,
  deviceCheckInHistoryEntriesMax,
} from '@settle/contracts';
import { inTransaction, Outbox, requestCause, type SqlPool } from '@settle/messaging';
import { CLOCK, type Clock, SERVICE_CONFIG, SQL_POOL } from '@settle/platform';
import {
  insertCheckIn,
  loadCurrentKey,
  loadDeviceOffline,
  loadLastCheckInAt,
  loadLatestCheckIns,
} from '../adapters/postgres/registry-store';
import { registryEvent } from '../adapters/registry-events';
import { type RegistrySettings } from '../config';
import { CredentialSigner, protocolKeyOf } from '../credentials/credential-signer';
import { currentState } from '../domain/key-lifecycle';
import { parseOfflineAttestationLevels } from '../domain/offline-attestation';
import { type CheckInRefusal, decideCheckIn } from './check-in.decider';

export type CheckInResult =
  | {
      readonly outcome: 'checked-in';
      readonly credential: Uint8Array;
      readonly issuerKeyId: string;
      readonly paymentKeyId: string;
      readonly checkedInAt: string;
      readonly validUntil: string;
      readonly offlineCaps: readonly DeviceCheckInCapV1[];
    }
  | { readonly outcome: 'refused'; readonly code: CheckInRefusal };

/**
 * A device's online check-in. One transaction, serialised per device by the lock on its offline
 * state: decide, sign the device credential (custody), record the check-in, move
 * last_check_in_at, and append device.checked-in with the latest check-ins. A refusal, or a
 * signature custody cannot make, leaves nothing recorded and nothing published.
 */
@Injectable()
export class CheckInHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    private readonly signer: CredentialSigner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: RegistrySettings,
  ) {}

  checkIn(deviceId: string, callerOwner: string, requestId: string | null): Promise<CheckInResult> {
    return inTransaction(this.pool, async (sql) => {
      const now = this.clock.now();
      const device = await loadDeviceOffline(sql, deviceId);
      const paymentKey = device
        ? await loadCurrentKey(sql, { kind: 'device', id: deviceId }, 'payment')
        : null;
      const lastCheckInAt = device ? await loadLastCheckInAt(sql, deviceId) : null;
      const decision = decideCheckIn(
        {
          deviceId,
          callerOwner,
          nowMs: now.getTime(),
          validityMs: this.config.SETTLE_REGISTRY_DEVICE_CREDENTIAL_VALIDITY_MS,
          offlineAttestationLevels: parseOfflineAttestationLevels(
            this.config.SETTLE_REGISTRY_OFFLINE_ATTESTATION_LEVELS,
          ),
        },
        {
          device: device && { accountId: device.accountId, offline: device.state },
          paymentKey: paymentKey && {
            keyId: paymentKey.keyId,
            state: currentState(paymentKey.history),
            attestationLevel: paymentKey.attestationLevel,
          },
          lastCheckInAtMs: lastCheckInAt === null ? null : Date.parse(lastCheckInAt),
        },
      );
      if (decision.outcome === 'refused') return decision;

      const signed = await this.signer.signDeviceCredential(
        {
          deviceId,
          paymentKey: protocolKeyOf(paymentKey!.publicKeyJwk),
          offlineCaps: decision.offlineCaps.map((cap) => ({
            currency: cap.currency,
            perTransactionMax: BigInt(cap.perTransactionMax),
            cumulativeMax: BigInt(cap.cumulativeMax),
          })),
          checkedInAtMs: decision.checkedInAtMs,
          validUntilMs: decision.validUntilMs,
        },
        now,
      );
      const checkedInAt = new Date(decision.checkedInAtMs).toISOString();
      const validUntil = new Date(decision.validUntilMs).toISOString();
      await insertCheckIn(sql, {
        checkInId: randomUUID(),
        deviceId,
        checkedInAt,
        validUntil,
        paymentKeyId: decision.paymentKeyId,
        credentialKeyId: signed.issuerKeyId,
        offlineCaps: decision.offlineCaps,
      });
      const history = await loadLatestCheckIns(sql, deviceId, deviceCheckInHistoryEntriesMax);
      await this.outbox.append(sql, [
        registryEvent(
          deviceCheckedInV1,
          { deviceId, accountId: device!.accountId, lastCheckInAt: checkedInAt, history },
          requestCause(requestId, checkedInAt),
        ),
      ]);
      return {
        outcome: 'checked-in',
        credential: signed.bytes,
        issuerKeyId: signed.issuerKeyId,
        paymentKeyId: decision.paymentKeyId,
        checkedInAt,
        validUntil,
        offlineCaps: decision.offlineCaps,
      };
    });
  }
}
