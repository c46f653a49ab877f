import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type DevicePlatform, type OfflineCapability, type OfflineLimitV1 } from '@settle/contracts';
import { inTransaction, Outbox, type SqlExecutor, type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, SERVICE_CONFIG, SQL_POOL } from '@settle/platform';
import { applyOfflineCommand } from '../adapters/offline-writer';
import {
  accountOpenedEvent,
  type Causation,
  deviceEnrolledEvent,
  keyLifecycleEvent,
  merchantOnboardedEvent,
  offlineCapabilityEvent,
  requestCause,
  terminalRegisteredEvent,
} from '../adapters/registry-events';
import { keyPayload, loadDeviceOffline, loadKeys, saveDeviceOffline, saveHistories } from '../adapters/postgres/registry-store';
import { type RegistrySettings } from '../config';
import { assert } from '../domain/assert';
import { addMs } from '../domain/challenge';
import { compareWithExisting, type CreateOutcome } from '../domain/idempotent-create';
import { enrolmentCodeBytes, type EnrolmentSubject, formatEnrolmentCode, hashEnrolmentCode } from '../domain/enrolment-code';
import { currentState, decideKeyTransition, type KeyCommand, type KeyTransitionRefusal } from '../domain/key-lifecycle';
import {
  type ApprovalRefusal,
  capabilityOf,
  decideApproval,
  enrolledOfflineState,
  limitsNeedSecondOperator,
  offlineCommandForKeyChange,
  type OfflineCommand,
  type OfflineState,
} from '../domain/offline-capability';

export interface NewAccount {
  readonly accountId: string;
  readonly holderDisplayName: string;
  readonly currency: string;
}
export interface NewMerchant {
  readonly merchantId: string;
  readonly displayName: string;
  readonly categoryCode: string;
  readonly settlementCurrency: string;
  readonly timeZone: string;
}
export interface NewTerminal {
  readonly terminalId: string;
  readonly merchantId: string;
}
export interface NewDevice {
  readonly deviceId: string;
  readonly accountId: string;
  readonly platform: DevicePlatform;
}

export type CreateResult<T> = { readonly outcome: Exclude<CreateOutcome, 'conflict'>; readonly record: T & { readonly createdAt: string } } | { readonly outcome: 'conflict' } | { readonly outcome: 'unknown-parent' };

export type LimitsResult =
  | { readonly outcome: 'applied'; readonly limits: readonly OfflineLimitV1[] }
  | { readonly outcome: 'pending-approval'; readonly changeId: string }
  | { readonly outcome: 'unknown-device' };

export type ApprovalResult = { readonly outcome: 'applied'; readonly deviceId: string; readonly limits: readonly OfflineLimitV1[] } | { readonly outcome: 'refused'; readonly code: ApprovalRefusal } | { readonly outcome: 'unknown-change' };

export type KeyChangeResult =
  | { readonly outcome: 'changed' | 'unchanged'; readonly key: ReturnType<typeof keyPayload> }
  | { readonly outcome: 'refused'; readonly code: KeyTransitionRefusal; readonly state: string }
  | { readonly outcome: 'unknown-key' };

/**
 * The admin use cases: each one transaction in which the state change and its event(s) are written
 * together (the outbox), rows locked before the append so event order follows the change order.
 */
@Injectable()
export class RegistryAdminHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: RegistrySettings,
  ) {}

  private transaction<T>(work: (sql: SqlExecutor, now: string) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, (sql) => work(sql, this.clock.now().toISOString()));
  }

  createAccount(request: NewAccount, operatorId: string, requestId: string | null): Promise<CreateResult<NewAccount>> {
    return this.transaction(async (sql, now) => {
      const inserted = await sql.query<{ opened_at: Date }>(
        `INSERT INTO registry_accounts (account_id, holder_display_name, currency, opened_at, created_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (account_id) DO NOTHING RETURNING opened_at`,
        [request.accountId, request.holderDisplayName, request.currency, now, operatorId],
      );
      if (inserted.rows.length === 1) {
        await this.outbox.append(sql, [accountOpenedEvent({ ...request, openedAt: now }, requestCause(requestId, now))]);
        return { outcome: 'created', record: { ...request, createdAt: now } };
      }
      const { rows } = await sql.query<{ account_id: string; holder_display_name: string; currency: string; opened_at: Date }>('SELECT * FROM registry_accounts WHERE account_id = $1', [request.accountId]);
      const row = rows[0]!;
      return existing(compareWithExisting({ accountId: row.account_id, holderDisplayName: row.holder_display_name, currency: row.currency }, { ...request }), request, row.opened_at);
    });
  }

  createMerchant(request: NewMerchant, operatorId: string, requestId: string | null): Promise<CreateResult<NewMerchant>> {
    return this.transaction(async (sql, now) => {
      const inserted = await sql.query(
        `INSERT INTO registry_merchants (merchant_id, display_name, category_code, settlement_currency, time_zone, onboarded_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (merchant_id) DO NOTHING RETURNING onboarded_at`,
        [request.merchantId, request.displayName, request.categoryCode, request.settlementCurrency, request.timeZone, now, operatorId],
      );
      if (inserted.rows.length === 1) {
        await this.outbox.append(sql, [merchantOnboardedEvent({ ...request, onboardedAt: now }, requestCause(requestId, now))]);
        return { outcome: 'created', record: { ...request, createdAt: now } };
      }
      const { rows } = await sql.query<{ merchant_id: string; display_name: string; category_code: string; settlement_currency: string; time_zone: string; onboarded_at: Date }>(
        'SELECT * FROM registry_merchants WHERE merchant_id = $1',
        [request.merchantId],
      );
      const row = rows[0]!;
      const found = { merchantId: row.merchant_id, displayName: row.display_name, categoryCode: row.category_code, settlementCurrency: row.settlement_currency, timeZone: row.time_zone };
      return existing(compareWithExisting(found, { ...request }), request, row.onboarded_at);
    });
  }

  createTerminal(request: NewTerminal, operatorId: string, requestId: string | null): Promise<CreateResult<NewTerminal>> {
    return this.transaction(async (sql, now) => {
      const merchant = await sql.query('SELECT 1 FROM registry_merchants WHERE merchant_id = $1 FOR SHARE', [request.merchantId]);
      const inserted =
        merchant.rows.length === 0
          ? { rows: [] }
          : await sql.query('INSERT INTO registry_terminals (terminal_id, merchant_id, registered_at, created_by) VALUES ($1, $2, $3, $4) ON CONFLICT (terminal_id) DO NOTHING RETURNING 1', [
              request.terminalId,
              request.merchantId,
              now,
              operatorId,
            ]);
      if (inserted.rows.length === 0) {
        const { rows } = await sql.query<{ merchant_id: string; registered_at: Date }>('SELECT merchant_id, registered_at FROM registry_terminals WHERE terminal_id = $1', [request.terminalId]);
        if (!rows[0]) return { outcome: 'unknown-parent' };
        return existing(compareWithExisting({ terminalId: request.terminalId, merchantId: rows[0].merchant_id }, { ...request }), request, rows[0].registered_at);
      }
      await this.outbox.append(sql, [terminalRegisteredEvent({ ...request, registeredAt: now }, requestCause(requestId, now))]);
      return { outcome: 'created', record: { ...request, createdAt: now } };
    });
  }

  /** A device of an account: device.enrolled and its initial offline state (no limits yet). */
  createDevice(request: NewDevice, operatorId: string, requestId: string | null): Promise<CreateResult<NewDevice>> {
    return this.transaction(async (sql, now) => {
      const account = await sql.query<{ overdrawn: boolean }>('SELECT overdrawn FROM registry_accounts WHERE account_id = $1 FOR SHARE', [request.accountId]);
      const inserted =
        account.rows.length === 0
          ? { rows: [] }
          : await sql.query('INSERT INTO registry_devices (device_id, account_id, platform, enrolled_at, created_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (device_id) DO NOTHING RETURNING 1', [
              request.deviceId,
              request.accountId,
              request.platform,
              now,
              operatorId,
            ]);
      if (inserted.rows.length === 0) {
        const { rows } = await sql.query<{ account_id: string; platform: string; enrolled_at: Date }>('SELECT account_id, platform, enrolled_at FROM registry_devices WHERE device_id = $1', [request.deviceId]);
        if (!rows[0]) return { outcome: 'unknown-parent' };
        return existing(compareWithExisting({ deviceId: request.deviceId, accountId: rows[0].account_id, platform: rows[0].platform }, { ...request }), request, rows[0].enrolled_at);
      }
      const offline = { deviceId: request.deviceId, accountId: request.accountId, state: { ...enrolledOfflineState(now), suspendedForOverdraft: account.rows[0]!.overdrawn } };
      await saveDeviceOffline(sql, offline, now);
      const cause = requestCause(requestId, now);
      await this.outbox.append(sql, [deviceEnrolledEvent({ ...request, enrolledAt: now }, cause), offlineCapabilityEvent(offline, offline.state, 'enrolled', cause)]);
      return { outcome: 'created', record: { ...request, createdAt: now } };
    });
  }

  /** A fresh code for an account (its devices) or a terminal; returned once, stored as its SHA-256. */
  issueEnrolmentCode(subject: EnrolmentSubject, operatorId: string): Promise<{ outcome: 'issued'; code: string; expiresAt: string } | { outcome: 'unknown-subject' }> {
    return this.transaction(async (sql, now) => {
      const table = subject.kind === 'account' ? 'SELECT 1 FROM registry_accounts WHERE account_id = $1' : 'SELECT 1 FROM registry_terminals WHERE terminal_id = $1';
      if ((await sql.query(table, [subject.id])).rows.length === 0) return { outcome: 'unknown-subject' };
      const code = formatEnrolmentCode(randomBytes(enrolmentCodeBytes));
      const expiresAt = addMs(now, this.config.SETTLE_REGISTRY_ENROLMENT_CODE_TTL_MS);
      await sql.query(
        'INSERT INTO registry_enrolment_codes (code_hash, subject_kind, subject_id, issued_by, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [hashEnrolmentCode(code), subject.kind, subject.id, operatorId, now, expiresAt],
      );
      return { outcome: 'issued', code, expiresAt };
    });
  }

  /** Applies new limits at once, or (above the threshold) records a change a second operator must approve. */
  setOfflineLimits(deviceId: string, limits: readonly OfflineLimitV1[], operatorId: string, requestId: string | null): Promise<LimitsResult> {
    return this.transaction(async (sql, now) => {
      const device = await loadDeviceOffline(sql, deviceId);
      if (!device) return { outcome: 'unknown-device' };
      if (limitsNeedSecondOperator(limits, BigInt(this.config.SETTLE_REGISTRY_LIMIT_APPROVAL_THRESHOLD))) {
        const changeId = randomUUID();
        await sql.query(
          `INSERT INTO registry_offline_limit_changes (change_id, device_id, limits, requested_by, requested_at, status) VALUES ($1, $2, $3, $4, $5, 'pending')`,
          [changeId, deviceId, JSON.stringify(limits), operatorId, now],
        );
        return { outcome: 'pending-approval', changeId };
      }
      const applied = await this.applyOffline(sql, deviceId, { kind: 'set-limits', limits }, requestCause(requestId, now));
      return { outcome: 'applied', limits: applied?.limits ?? limits };
    });
  }

  approveLimitChange(changeId: string, operatorId: string, requestId: string | null): Promise<ApprovalResult> {
    return this.transaction(async (sql, now) => {
      const { rows } = await sql.query<{ device_id: string; limits: OfflineLimitV1[]; requested_by: string; decided_at: Date | null }>(
        'SELECT device_id, limits, requested_by, decided_at FROM registry_offline_limit_changes WHERE change_id = $1 FOR UPDATE',
        [changeId],
      );
      const change = rows[0];
      if (!change) return { outcome: 'unknown-change' };
      const approval = decideApproval({ requestedBy: change.requested_by, decidedAt: change.decided_at?.toISOString() ?? null }, operatorId);
      if (!approval.ok) return { outcome: 'refused', code: approval.code };
      await sql.query(`UPDATE registry_offline_limit_changes SET status = 'approved', decided_by = $2, decided_at = $3 WHERE change_id = $1`, [changeId, operatorId, now]);
      const applied = await this.applyOffline(sql, change.device_id, { kind: 'set-limits', limits: change.limits }, requestCause(requestId, now));
      return { outcome: 'applied', deviceId: change.device_id, limits: applied?.limits ?? change.limits };
    });
  }

  setOfflineCapability(deviceId: string, capability: OfflineCapability, requestId: string | null): Promise<{ outcome: 'applied'; capability: OfflineCapability } | { outcome: 'unknown-device' }> {
    return this.transaction(async (sql, now) => {
      const state = await this.applyOffline(sql, deviceId, { kind: 'set-operator-capability', capability }, requestCause(requestId, now));
      if (!state) return { outcome: 'unknown-device' };
      return { outcome: 'applied', capability: capabilityOf(state) };
    });
  }

  /** Suspends, reactivates or revokes a key; publishes its whole history. */
  changeKey(keyId: string, command: KeyCommand, requestId: string | null): Promise<KeyChangeResult> {
    return this.transaction(async (sql, now) => {
      const [key] = await loadKeys(sql, [keyId]);
      if (!key) return { outcome: 'unknown-key' };
      const result = decideKeyTransition(key.history, command, now);
      if (result.outcome === 'refused') return result;
      const changed = { ...key, history: result.history };
      if (result.outcome === 'changed') {
        const cause = requestCause(requestId, now);
        await saveHistories(sql, [changed]);
        await this.outbox.append(sql, [keyLifecycleEvent(keyPayload(changed), cause)]);
        const offline = offlineCommandForKeyChange(key, currentState(changed.history));
        if (offline) await this.applyOffline(sql, key.owner.id, offline, cause);
      }
      return { outcome: result.outcome, key: keyPayload(changed) };
    });
  }

  private applyOffline(sql: SqlExecutor, deviceId: string, command: OfflineCommand, cause: Causation): Promise<OfflineState | null> {
    return applyOfflineCommand(sql, this.outbox, deviceId, command, cause);
  }
}

/** The insert found the business key taken: the same content is a duplicate, other content a conflict. */
function existing<T>(outcome: 'duplicate' | 'conflict' | 'create', request: T, createdAt: Date): CreateResult<T> {
  assert(outcome !== 'create', 'an existing record was compared');
  if (outcome === 'conflict') return { outcome: 'conflict' };
  return { outcome: 'duplicate', record: { ...request, createdAt: createdAt.toISOString() } };
}

