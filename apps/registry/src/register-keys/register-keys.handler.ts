import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  attestationRequestedV2,
  keyLifecycleChangedV1,
  type KeyOwner,
  type RegisteredKeyClass,
  registeredKeyClasses,
} from '@settle/contracts';
import {
  inTransaction,
  Outbox,
  requestCause,
  type SqlExecutor,
  type SqlPool,
} from '@settle/messaging';
import { type Clock, CLOCK, SERVICE_CONFIG, SQL_POOL } from '@settle/platform';
import {
  insertKeys,
  keyPayload,
  loadChallenge,
  loadEnrolmentCode,
  loadKeys,
  loadOwnerCurrentKeys,
  saveHistories,
} from '../adapters/postgres/registry-store';
import { registryEvent } from '../adapters/registry-events';
import { type RegistrySettings } from '../config';
import { assert } from '../domain/assert';
import { addMs, formatChallenge } from '../domain/challenge';
import {
  challengeBytes,
  decideIssueChallenge,
  type EnrolmentCodeRefusal,
  hashEnrolmentCode,
  type StoredEnrolmentSubject,
} from '../domain/enrolment-code';
import {
  decideRegisterKeys,
  type RegisterKeysResult,
  type SubmittedKey,
} from './register-keys.decider';

export type IssueChallengeResult =
  | {
      readonly outcome: 'issued';
      readonly challenge: string;
      readonly owner: KeyOwner;
      readonly expiresAt: string;
    }
  | {
      readonly outcome: 'refused';
      readonly code: EnrolmentCodeRefusal | 'ENROLMENT_CODE_NOT_FOR_DEVICE';
      readonly field: string;
    };

const uniqueViolation = '23505';

/**
 * The device side of enrolment: a challenge against an enrolment code, then the two keys registered
 * against that challenge. Both are reachable with the enrolment code alone (no bound token exists
 * yet); see docs/registry.md.
 */
@Injectable()
export class RegisterKeysHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: RegistrySettings,
  ) {}

  issueChallenge(
    enrolmentCode: string,
    deviceId: string | undefined,
  ): Promise<IssueChallengeResult> {
    return inTransaction(this.pool, async (sql) => {
      const now = this.clock.now().toISOString();
      const codeHash = hashEnrolmentCode(enrolmentCode);
      const record = await loadEnrolmentCode(sql, codeHash);
      const allowed = decideIssueChallenge(
        record,
        now,
        this.config.SETTLE_REGISTRY_CHALLENGES_PER_CODE_MAX,
      );
      if (!allowed.ok) return { outcome: 'refused', code: allowed.code, field: 'enrolmentCode' };
      const owner = ownerFor(record!.subject, deviceId);
      if ('code' in owner) return { outcome: 'refused', ...owner };
      const challenge = formatChallenge(randomBytes(challengeBytes));
      const expiresAt = addMs(now, this.config.SETTLE_REGISTRY_CHALLENGE_TTL_MS);
      await sql.query(
        'INSERT INTO registry_challenges (challenge, code_hash, owner_kind, owner_id, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [challenge, codeHash, owner.kind, owner.id, now, expiresAt],
      );
      await sql.query(
        'UPDATE registry_enrolment_codes SET challenges_issued = challenges_issued + 1 WHERE code_hash = $1',
        [codeHash],
      );
      return { outcome: 'issued', challenge, owner, expiresAt };
    });
  }

  /**
   * One transaction: lock the code and the challenge, decide, consume both, supersede the owner's
   * still-pending keys (keys in use are retired when the new ones are active), insert the new ones
   * `pending`, and append key.lifecycle-changed and attestation.requested.
   */
  async registerKeys(
    enrolmentCode: string,
    challenge: string,
    keys: readonly SubmittedKey[],
    requestId: string | null,
  ): Promise<RegisterKeysResult> {
    try {
      return await inTransaction(this.pool, async (sql) => {
        const now = this.clock.now().toISOString();
        const codeHash = hashEnrolmentCode(enrolmentCode);
        const code = await loadEnrolmentCode(sql, codeHash);
        const challengeRecord = await loadChallenge(sql, challenge);
        const submittedKnown = await loadKeys(
          sql,
          keys.map((key) => key.keyId),
        );
        const ownerCurrent =
          challengeRecord && submittedKnown.length === 0
            ? await loadOwnerCurrentKeys(sql, challengeRecord.owner)
            : [];
        const result = decideRegisterKeys(
          { codeHash, challenge, keys, now },
          { code, challenge: challengeRecord, submittedKnown, ownerCurrent },
        );
        if (result.outcome !== 'registered') return result;

        await sql.query('UPDATE registry_challenges SET consumed_at = $2 WHERE challenge = $1', [
          challenge,
          now,
        ]);
        await sql.query(
          'UPDATE registry_enrolment_codes SET consumed_at = $2 WHERE code_hash = $1',
          [codeHash, now],
        );
        await saveHistories(sql, result.superseded);
        const stored = result.keys.map((key) => ({
          ...key,
          owner: result.owner,
          challenge,
          attestationRequestId: randomUUID(),
        }));
        await insertKeys(sql, stored, now);
        const registeredClass = await registeredClassOf(sql, result.owner);
        const cause = requestCause(requestId, now);
        await this.outbox.append(sql, [
          ...result.superseded.map((key) =>
            registryEvent(keyLifecycleChangedV1, keyPayload(key), cause),
          ),
          ...stored.map((key) => registryEvent(keyLifecycleChangedV1, keyPayload(key), cause)),
          ...stored.map((key) =>
            registryEvent(
              attestationRequestedV2,
              {
                requestId: key.attestationRequestId,
                keyId: key.keyId,
                owner: key.owner,
                registeredClass,
                purpose: key.purpose,
                format: key.format,
                challenge,
                evidence: key.evidence,
                publicKeyJwk: key.publicKeyJwk,
                requestedAt: now,
              },
              cause,
            ),
          ),
        ]);
        // A device suspended for its old payment key stays suspended until the new one is attested and
        // active (attestation-results lifts it then): a pending key can pay nothing.
        return result;
      });
    } catch (error) {
      // Two registrations of the same key with different challenges racing: the loser is a conflict.
      if ((error as { code?: string }).code === uniqueViolation)
        return {
          outcome: 'refused',
          code: 'KEY_ALREADY_REGISTERED',
          field: 'keys',
          message: 'a key is already registered',
        };
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
  const { rows } = await sql.query<{ platform: string }>(
    'SELECT platform FROM registry_devices WHERE device_id = $1',
    [owner.id],
  );
  const platform = rows[0]?.platform as RegisteredKeyClass | undefined;
  // The challenge was issued for the device its code names (ownerFor), and devices are never deleted.
  if (platform === undefined || platform === 'terminal' || !registeredKeyClasses.includes(platform))
    throw new Error(`device ${owner.id} has no registered platform`);
  return platform;
}

/**
 * The owner a code's challenge is for: the one device or terminal the code names. A device may repeat
 * its id in the request; another device's id is refused, so a code issued for device X never enrols
 * device Y (issue 13 §1).
 */
function ownerFor(
  subject: StoredEnrolmentSubject,
  deviceId: string | undefined,
): KeyOwner | { code: 'ENROLMENT_CODE_NOT_FOR_DEVICE'; field: string } {
  assert(subject.kind !== 'account', 'a usable code names a device or a terminal (checkUsable)');
  if (subject.kind === 'terminal') return { kind: 'terminal', id: subject.id };
  if (deviceId !== undefined && deviceId !== subject.id)
    return { code: 'ENROLMENT_CODE_NOT_FOR_DEVICE', field: 'deviceId' };
  return { kind: 'device', id: subject.id };
}
