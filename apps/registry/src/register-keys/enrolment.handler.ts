import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type KeyOwner, type RegisteredKeyClass, registeredKeyClasses } from '@settle/contracts';
import { inTransaction, Outbox, type SqlExecutor, type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, SERVICE_CONFIG, SQL_POOL } from '@settle/platform';
import { applyOfflineCommand } from '../adapters/offline-writer';
import { attestationRequestedEvent, keyLifecycleEvent, requestCause } from '../adapters/registry-events';
import { insertKeys, keyPayload, loadChallenge, loadEnrolmentCode, loadKeys, loadOwnerCurrentKeys, saveHistories } from '../adapters/postgres/registry-store';
import { type RegistrySettings } from '../config';
import { addMs, formatChallenge } from '../domain/challenge';
import { challengeBytes, decideIssueChallenge, type EnrolmentCodeRefusal, hashEnrolmentCode } from '../domain/enrolment-code';
import { decideRegisterKeys, type RegisterKeysResult, type SubmittedKey } from './register-keys.decider';

export type IssueChallengeResult =
  | { readonly outcome: 'issued'; readonly challenge: string; readonly owner: KeyOwner; readonly expiresAt: string }
  | { readonly outcome: 'refused'; readonly code: EnrolmentCodeRefusal | 'DEVICE_REQUIRED' | 'DEVICE_NOT_OF_ACCOUNT'; readonly field: string };

const uniqueViolation = '23505';

/**
 * The device side of enrolment: a challenge against an enrolment code, then the two keys registered
 * against that challenge. Both are reachable with the enrolment code alone (no bound token exists
 * yet); see docs/registry.md.
 */
@Injectable()
export class EnrolmentHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: RegistrySettings,
  ) {}

  issueChallenge(enrolmentCode: string, deviceId: string | undefined): Promise<IssueChallengeResult> {
    return inTransaction(this.pool, async (sql) => {
      const now = this.clock.now().toISOString();
      const codeHash = hashEnrolmentCode(enrolmentCode);
      const record = await loadEnrolmentCode(sql, codeHash);
      const allowed = decideIssueChallenge(record, now, this.config.SETTLE_REGISTRY_CHALLENGES_PER_CODE_MAX);
      if (!allowed.ok) return { outcome: 'refused', code: allowed.code, field: 'enrolmentCode' };
      const owner = await ownerFor(sql, record!.subject, deviceId);
      if ('code' in owner) return { outcome: 'refused', ...owner };
      const challenge = formatChallenge(randomBytes(challengeBytes));
      const expiresAt = addMs(now, this.config.SETTLE_REGISTRY_CHALLENGE_TTL_MS);
      await sql.query(
        'INSERT INTO registry_challenges (challenge, code_hash, owner_kind, owner_id, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [challenge, codeHash, owner.kind, owner.id, now, expiresAt],
      );
      await sql.query('UPDATE registry_enrolment_codes SET challenges_issued = challenges_issued + 1 WHERE code_hash = $1', [codeHash]);
      return { outcome: 'issued', challenge, owner, expiresAt };
    });
  }

  /**
   * One transaction: lock the code and the challenge, decide, consume both, supersede the owner's old
   * keys, insert the new ones `pending`, and append key.lifecycle-changed and attestation.requested.
   */
  async registerKeys(enrolmentCode: string, challenge: string, keys: readonly SubmittedKey[], requestId: string | null): Promise<RegisterKeysResult> {
    try {
      return await inTransaction(this.pool, async (sql) => {
        const now = this.clock.now().toISOString();
        const codeHash = hashEnrolmentCode(enrolmentCode);
        const code = await loadEnrolmentCode(sql, codeHash);
        const challengeRecord = await loadChallenge(sql, challenge);
        const submittedKnown = await loadKeys(sql, keys.map((key) => key.keyId));
        const ownerCurrent = challengeRecord && submittedKnown.length === 0 ? await loadOwnerCurrentKeys(sql, challengeRecord.owner) : [];
        const result = decideRegisterKeys({ codeHash, challenge, keys, now }, { code, challenge: challengeRecord, submittedKnown, ownerCurrent });
        if (result.outcome !== 'registered') return result;

        await sql.query('UPDATE registry_challenges SET consumed_at = $2 WHERE challenge = $1', [challenge, now]);
        await sql.query('UPDATE registry_enrolment_codes SET consumed_at = $2 WHERE code_hash = $1', [codeHash, now]);
        await saveHistories(sql, result.superseded);
        const stored = result.keys.map((key) => ({ ...key, owner: result.owner, challenge, attestationRequestId: randomUUID() }));
        await insertKeys(sql, stored, now);
        const registeredClass = await registeredClassOf(sql, result.owner);
        const cause = requestCause(requestId, now);
        await this.outbox.append(sql, [
          ...result.superseded.map((key) => keyLifecycleEvent(keyPayload(key), cause)),
          ...stored.map((key) => keyLifecycleEvent(keyPayload(key), cause)),
          ...stored.map((key) =>
            attestationRequestedEvent(
              { requestId: key.attestationRequestId, keyId: key.keyId, owner: key.owner, registeredClass, purpose: key.purpose, format: key.format, challenge, evidence: key.evidence, publicKeyJwk: key.publicKeyJwk, requestedAt: now },
              cause,
            ),
          ),
        ]);
        // New keys replace a suspended or revoked payment key: the device may be trusted offline again.
        if (result.owner.kind === 'device') await applyOfflineCommand(sql, this.outbox, result.owner.id, { kind: 'payment-key-restored', reason: 'enrolled' }, cause);
        return result;
      });
    } catch (error) {
      // Two registrations of the same key with different challenges racing: the loser is a conflict.
      if ((error as { code?: string }).code === uniqueViolation) return { outcome: 'refused', code: 'KEY_ALREADY_REGISTERED', field: 'keys', message: 'a key is already registered' };
      throw error;
    }
  }
}

/**
 * The class whose attestation policy judges the owner's keys: a device's platform as the operator
 * registered it, or `terminal` — never the format the device declares (issue 13 §1).
 */
async function registeredClassOf(sql: SqlExecutor, owner: KeyOwner): Promise<RegisteredKeyClass> {
  if (owner.kind === 'terminal') return 'terminal';
  const { rows } = await sql.query<{ platform: string }>('SELECT platform FROM registry_devices WHERE device_id = $1', [owner.id]);
  const platform = rows[0]?.platform as RegisteredKeyClass | undefined;
  // The challenge was issued for a device of the account (ownerFor), and devices are never deleted.
  if (platform === undefined || platform === 'terminal' || !registeredKeyClasses.includes(platform)) throw new Error(`device ${owner.id} has no registered platform`);
  return platform;
}

async function ownerFor(
  sql: SqlExecutor,
  subject: { kind: 'account' | 'terminal'; id: string },
  deviceId: string | undefined,
): Promise<KeyOwner | { code: 'DEVICE_REQUIRED' | 'DEVICE_NOT_OF_ACCOUNT'; field: string }> {
  if (subject.kind === 'terminal') return { kind: 'terminal', id: subject.id };
  if (deviceId === undefined) return { code: 'DEVICE_REQUIRED', field: 'deviceId' };
  const { rows } = await sql.query('SELECT 1 FROM registry_devices WHERE device_id = $1 AND account_id = $2', [deviceId, subject.id]);
  return rows.length === 1 ? { kind: 'device', id: deviceId } : { code: 'DEVICE_NOT_OF_ACCOUNT', field: 'deviceId' };
}
