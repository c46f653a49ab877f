import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { type AccessTokenClaims, type AccessTokenAttestation } from '@settle/contracts';
import { isKeyCustodyError } from '@settle/key-custody';
import {
  inTransaction,
  Outbox,
  requestCause,
  type SqlExecutor,
  type SqlPool,
} from '@settle/messaging';
import {
  type Clock,
  CLOCK,
  type NamedQueryExecutor,
  peekRateLimitTokens,
  ProblemException,
  type RateLimitBucket,
  rateLimitedProblem,
  SERVICE_CONFIG,
  SQL_POOL,
  takeRateLimitTokens,
  withNamedStatements,
} from '@settle/platform';
import { rememberDpopProofId, verifyAccessToken } from '@settle/resource-guard';
import { type CryptoKey, importJWK } from 'jose';
import {
  endSession,
  insertSession,
  type KeyWithOwner,
  loadKey,
  loadKeyAndInsertSession,
  loadSessionForUpdate,
  recordToken,
} from '../adapters/token-issuer-store';
import { type TokenIssuerSettings } from '../config';
import {
  type KeyRefusal,
  type RefreshRefusal,
  accessTokenClaims,
  assert,
  checkBindingKey,
  decideRefresh,
  type TokenSubject,
} from '../domain/session-rules';
import { TokenSigner } from '../keys/token-signer';
import { type ProvenKey } from './binding-proof';
import { sessionEndedEvent, sessionStartedEvent } from './session-events';

/** What session start and refresh answer (RFC 6749 §5.1 names, plus the session id). */
export interface IssuedToken {
  readonly accessToken: string;
  readonly tokenType: 'Bearer' | 'DPoP';
  readonly expiresIn: number;
  readonly sessionId: string;
}

/**
 * Attestation level assumed when the verifier's result for the key was not seen (yet): the lowest, so
 * a token never claims more than was proven (docs/token-issuer.md, "Gaps").
 */
export const defaultAttestationLevel: AccessTokenAttestation['level'] = 'software';
const secondsPerMinute = 60;

const refusalStatus: Record<
  KeyRefusal | RefreshRefusal | 'SUBJECT_UNKNOWN' | 'DPOP_PROOF_REPLAYED' | 'ACCESS_TOKEN_INVALID',
  number
> = {
  KEY_UNKNOWN: HttpStatus.FORBIDDEN,
  KEY_NOT_BINDING: HttpStatus.FORBIDDEN,
  KEY_NOT_ACTIVE: HttpStatus.FORBIDDEN,
  KEY_MISMATCH: HttpStatus.FORBIDDEN,
  SUBJECT_UNKNOWN: HttpStatus.CONFLICT,
  DPOP_PROOF_REPLAYED: HttpStatus.UNAUTHORIZED,
  ACCESS_TOKEN_INVALID: HttpStatus.UNAUTHORIZED,
  SESSION_UNKNOWN: HttpStatus.NOT_FOUND,
  SESSION_ENDED: HttpStatus.UNAUTHORIZED,
  SESSION_MAX_AGE: HttpStatus.UNAUTHORIZED,
  TOKEN_NOT_OF_SESSION: HttpStatus.UNAUTHORIZED,
  TOKEN_SUPERSEDED: HttpStatus.UNAUTHORIZED,
  BINDING_KEY_CHANGED: HttpStatus.UNAUTHORIZED,
};

/** A refusal as application/problem+json, naming the field it concerns. */
export function refusal(
  code: keyof typeof refusalStatus,
  field: string,
  message: string,
): ProblemException {
  return new ProblemException({
    status: refusalStatus[code],
    code,
    title: 'Session refused',
    detail: `${field}: ${message}`,
    errors: [{ field, code, message }],
  });
}

type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ProblemException };

/**
 * Fresh attestation evidence, checked inside the session-start transaction for the key as the projection
 * has it (active binding key, proven JWK = registered JWK, owner known): the level for `att`, or the
 * problem to answer with (the transaction is then rolled back).
 */
export type FreshAttestationStep = (
  sql: SqlExecutor,
  key: KeyWithOwner,
  now: Date,
) => Promise<
  | { readonly ok: true; readonly level: AccessTokenAttestation['level'] }
  | { readonly ok: false; readonly error: ProblemException }
>;

/** The ids and times of a session about to be stored. */
interface SessionDraft {
  readonly sessionId: string;
  readonly tokenId: string;
  readonly startedAt: Date;
  readonly expiresAt: Date;
}

/** A session row stored in the start transaction: its key and whom its tokens are for. */
interface StoredStart {
  readonly key: KeyWithOwner;
  readonly subject: TokenSubject;
}

/**
 * Session start and token refresh (DESIGN §7). Checks the proven key against the issuer's own
 * projection of the registry, stores the session, publishes session.started / session.ended through
 * the outbox in the same transaction, and signs the token through key custody before committing (a
 * token that could not be signed leaves nothing behind).
 */
@Injectable()
export class SessionHandler {
  /** The pool for the rate-limit buckets' fixed statements, prepared once per connection. */
  private readonly rateLimitSql: SqlExecutor;

  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    private readonly signer: TokenSigner,
    @Inject(SERVICE_CONFIG) private readonly config: TokenIssuerSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.rateLimitSql = this.named(pool);
  }

  now(): Date {
    return this.clock.now();
  }

  /**
   * Refuses (429) a client address whose bucket of refusals is empty, before anything is verified. The
   * bucket is charged only by {@link chargeRefusal}: the devices behind one NAT share an address, and
   * their successful requests must not use up each other's allowance (docs/token-issuer.md).
   */
  async checkAddressLimit(address: string): Promise<void> {
    const [decision] = await peekRateLimitTokens(
      this.rateLimitSql,
      [this.addressBucket(address)],
      this.clock.now(),
    );
    assert(decision !== undefined, 'one decision per bucket');
    if (!decision.allowed)
      throw this.rateLimited(
        'client address',
        this.config.SETTLE_TOKEN_ISSUER_RATE_LIMIT_IP_PER_MINUTE,
        decision.retryAfterSeconds,
      );
  }

  /** Charges a refused request to its client address (the bucket {@link checkAddressLimit} checks). */
  async chargeRefusal(address: string): Promise<void> {
    await takeRateLimitTokens(this.rateLimitSql, [this.addressBucket(address)], this.clock.now());
  }

  /**
   * Takes a token from the key's (session start) or session's (refresh) bucket, shared by every
   * replica; throws 429 when it is empty. Taken only once the request proved the key, so nobody can
   * exhaust a device's allowance by naming its key id.
   */
  async enforceRateLimits(
    buckets: ReadonlyArray<{ readonly kind: 'key' | 'session'; readonly id: string }>,
  ): Promise<void> {
    const perMinute = this.config.SETTLE_TOKEN_ISSUER_RATE_LIMIT_KEY_PER_MINUTE;
    const limits = buckets.map(({ kind, id }) => ({
      bucket: `${kind}:${id}`,
      capacity: perMinute,
      perSecond: perMinute / secondsPerMinute,
      field: kind === 'key' ? 'bindingKeyId' : 'sessionId',
    }));
    const taken = await takeRateLimitTokens(this.rateLimitSql, limits, this.clock.now());
    for (const [index, result] of taken.entries()) {
      if (!result.allowed)
        throw this.rateLimited(limits[index]!.field, perMinute, result.retryAfterSeconds);
    }
  }

  private addressBucket(address: string): RateLimitBucket {
    const perMinute = this.config.SETTLE_TOKEN_ISSUER_RATE_LIMIT_IP_PER_MINUTE;
    return {
      bucket: `ip:${address}`,
      capacity: perMinute,
      perSecond: perMinute / secondsPerMinute,
    };
  }

  private rateLimited(
    field: string,
    perMinute: number,
    retryAfterSeconds: number,
  ): ProblemException {
    const what = field === 'client address' ? 'refused requests' : 'requests';
    return rateLimitedProblem({
      title: 'Too many session requests',
      field,
      limit: `more than ${perMinute} ${what} per minute`,
      retryAfterSeconds,
    });
  }

  /**
   * Starts a session for the proven key. Fresh attestation evidence, if any, is checked by `fresh` in
   * the same transaction, once the key and its owner are known: an App Attest assertion's counter is
   * stored there, so it is stored exactly when the session is. A refused step rolls the transaction
   * back (its problem is thrown), so a refused start stores nothing.
   */
  async start(
    proven: ProvenKey,
    fresh: FreshAttestationStep | null,
    requestId: string | undefined,
  ): Promise<IssuedToken> {
    const now = this.clock.now();
    const draft: SessionDraft = {
      sessionId: `ses_${randomUUID().replaceAll('-', '')}`,
      tokenId: randomUUID(),
      startedAt: now,
      expiresAt: new Date(now.getTime() + this.config.SETTLE_TOKEN_ISSUER_SESSION_MAX_AGE_MS),
    };
    return inTransaction(this.pool, async (sql): Promise<IssuedToken> => {
      const { key, subject } =
        fresh === null
          ? await this.storeRegisteredSession(sql, proven, draft)
          : await this.storeFreshSession(sql, proven, fresh, draft);
      const replay = await this.rememberProof(sql, proven);
      if (replay !== null) throw replay;
      await this.outbox.append(sql, [
        sessionStartedEvent(
          {
            sessionId: draft.sessionId,
            subject: { kind: key.ownerKind, id: key.ownerId },
            keyId: key.keyId,
            attestationKind: subject.attestation.kind,
            bindingMode: proven.mode,
            startedAt: now.toISOString(),
            expiresAt: draft.expiresAt.toISOString(),
          },
          requestCause(requestId, now.toISOString()),
        ),
      ]);
      return this.issue(draft.sessionId, draft.tokenId, subject, now, draft.expiresAt, proven.mode);
    }).catch((error: unknown) => {
      throw this.custodyProblem(error);
    });
  }

  /**
   * The session of a start without fresh evidence: the key read and the session row in one statement
   * (a named prepared statement), the row stored only if the key may start a session. The key is then
   * judged here as on every path; a refusal is thrown (rolling back), and the statement's rules and
   * these agree, so a key judged fit always got its row.
   */
  private async storeRegisteredSession(
    sql: SqlExecutor,
    proven: ProvenKey,
    draft: SessionDraft,
  ): Promise<StoredStart> {
    const { key, inserted } = await loadKeyAndInsertSession(this.named(sql), {
      ...draft,
      keyId: proven.keyId,
      x: proven.x,
      y: proven.y,
      bindingMode: proven.mode,
      tokenBindingIdHash: proven.tokenBindingIdHash,
      defaultAttestationLevel,
    });
    const fit = this.judgeKey(key, proven);
    assert(inserted, 'a key fit to start a session got its session row');
    const subject = subjectOf(fit, proven, { kind: 'registration' });
    assert(subject !== undefined, 'a key with a known owner has a subject');
    return { key: fit, subject };
  }

  /** The session of a start with fresh evidence: key read, evidence checked by `fresh`, then the row. */
  private async storeFreshSession(
    sql: SqlExecutor,
    proven: ProvenKey,
    fresh: FreshAttestationStep,
    draft: SessionDraft,
  ): Promise<StoredStart> {
    const key = this.judgeKey(await loadKey(this.named(sql), proven.keyId), proven);
    const verdict = await fresh(sql, key, draft.startedAt);
    if (!verdict.ok) throw verdict.error;
    const subject = subjectOf(key, proven, { kind: 'fresh', level: verdict.level });
    assert(subject !== undefined, 'a key with a known owner has a subject');
    await insertSession(this.named(sql), {
      ...draft,
      keyId: key.keyId,
      subjectKind: key.ownerKind,
      subjectId: key.ownerId,
      bindingMode: proven.mode,
      tokenBindingIdHash: proven.tokenBindingIdHash,
      attestationKind: subject.attestation.kind,
      attestationLevel: subject.attestation.level,
    });
    return { key, subject };
  }

  /** The key if it may start a session (the projection's binding key, active, the proven one, its owner known); else the refusal, thrown. */
  private judgeKey(key: KeyWithOwner | undefined, proven: ProvenKey): KeyWithOwner {
    const keyRefusal = checkBindingKey(key, proven);
    if (keyRefusal !== null) throw refusal(keyRefusal, 'bindingKeyId', keyMessages[keyRefusal]);
    assert(key !== undefined, 'an accepted key exists');
    if (key.owner === undefined)
      throw refusal(
        'SUBJECT_UNKNOWN',
        'bindingKeyId',
        `the ${key.ownerKind} of this key is not known yet; retry shortly`,
      );
    return key;
  }

  /**
   * `sql` (the pg pool, or a connection of it: SQL_POOL is pg's) running each of this handler's fixed
   * statements as a named prepared statement. Not for the outbox append, whose commit hook knows the
   * connection object itself.
   */
  private named(sql: SqlExecutor): SqlExecutor {
    return withNamedStatements(sql as unknown as NamedQueryExecutor);
  }

  /**
   * Checks a presented access token with the resource guard's `verifyAccessToken` (one implementation
   * of the signature, `typ`, algorithm and claim checks), against every token-signing key custody holds
   * (published or not: an expired token of a retired key may still be exchanged) and our issuer.
   * Expiry is not checked (the session decides), nor the audience (ours, whichever it was then).
   */
  async readPresentedToken(token: string): Promise<AccessTokenClaims> {
    const keys = await this.signer.allKeys();
    const keyFor = async (kid: string): Promise<CryptoKey | null> => {
      const key = keys.find((candidate) => candidate.kid === kid);
      return key === undefined
        ? null
        : ((await importJWK({ ...key.publicJwk, alg: 'ES256' }, 'ES256')) as CryptoKey);
    };
    const verified = await verifyAccessToken(token, {
      keys: { keyFor },
      issuer: this.config.SETTLE_TOKEN_ISSUER_ISSUER,
      audience: null,
      acceptExpired: true,
      clock: () => this.clock.now(),
    });
    if (!verified.ok)
      throw refusal(
        'ACCESS_TOKEN_INVALID',
        'headers.authorization',
        verified.code === 'ACCESS_TOKEN_KEY_UNKNOWN'
          ? 'not an access token of this issuer'
          : 'the signature or the claims do not verify',
      );
    return verified.claims;
  }

  /** The next token of a session, for the newest token and a fresh proof of the same key. */
  async refresh(
    sessionId: string,
    presented: AccessTokenClaims,
    proven: ProvenKey,
    requestId: string | undefined,
  ): Promise<IssuedToken> {
    const now = this.clock.now();
    const outcome = await inTransaction(
      this.pool,
      async (sql): Promise<Outcome<IssuedToken> & { readonly endedNow?: boolean }> => {
        const session = await loadSessionForUpdate(this.named(sql), sessionId);
        const decision = decideRefresh(
          session,
          {
            sessionId: presented.sid,
            tokenId: presented.jti,
            keyId: proven.keyId,
            tokenBindingIdHash: proven.tokenBindingIdHash,
          },
          now,
        );
        if (
          decision === 'SESSION_MAX_AGE' &&
          session !== undefined &&
          (await endSession(sql, sessionId, 'max-age', now))
        ) {
          await this.outbox.append(sql, [
            sessionEndedEvent(sessionId, 'max-age', requestCause(requestId, now.toISOString())),
          ]);
          return {
            ok: false,
            error: refusal(decision, 'sessionId', refreshMessages[decision]),
            endedNow: true,
          };
        }
        if (decision !== null)
          return {
            ok: false,
            error: refusal(
              decision,
              decision === 'SESSION_UNKNOWN' ? 'sessionId' : fieldOf[decision],
              refreshMessages[decision],
            ),
          };
        assert(session !== undefined, 'a refreshable session exists');
        if (proven.mode !== session.bindingMode)
          return {
            ok: false,
            error: refusal(
              'BINDING_KEY_CHANGED',
              'headers',
              `this session is bound by ${session.bindingMode}`,
            ),
          };
        const key = await loadKey(this.named(sql), session.keyId);
        const keyRefusal = checkBindingKey(key, proven);
        if (keyRefusal !== null)
          return { ok: false, error: refusal(keyRefusal, 'bindingKeyId', keyMessages[keyRefusal]) };
        assert(
          key !== undefined &&
            key.ownerKind === session.subjectKind &&
            key.ownerId === session.subjectId,
          'a session’s key is its subject’s',
        );
        const subject = subjectOf(key, proven, {
          kind: session.attestationKind,
          level: session.attestationLevel as AccessTokenAttestation['level'],
        });
        assert(subject !== undefined, 'the subject of a started session stays known');
        const replay = await this.rememberProof(sql, proven);
        if (replay !== null) return { ok: false, error: replay };
        const tokenId = randomUUID();
        await recordToken(this.named(sql), sessionId, tokenId, now);
        return {
          ok: true,
          value: await this.issue(sessionId, tokenId, subject, now, session.expiresAt, proven.mode),
        };
      },
    ).catch((error: unknown) => {
      throw this.custodyProblem(error);
    });
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  private async rememberProof(
    sql: SqlExecutor,
    proven: ProvenKey,
  ): Promise<ProblemException | null> {
    if (proven.mode !== 'dpop') return null;
    assert(
      proven.dpopJti !== undefined && proven.dpopRememberUntil !== undefined,
      'a DPoP proof has a jti and a retention',
    );
    const fresh = await rememberDpopProofId(
      sql,
      proven.keyId,
      proven.dpopJti,
      proven.dpopRememberUntil,
    );
    return fresh
      ? null
      : refusal('DPOP_PROOF_REPLAYED', 'headers.dpop', 'this proof (jti) was used before');
  }

  private async issue(
    sessionId: string,
    tokenId: string,
    subject: TokenSubject,
    now: Date,
    sessionExpiresAt: Date,
    mode: ProvenKey['mode'],
  ): Promise<IssuedToken> {
    const claims = accessTokenClaims({
      issuer: this.config.SETTLE_TOKEN_ISSUER_ISSUER,
      audience: this.config.SETTLE_TOKEN_ISSUER_AUDIENCE.split(','),
      sessionId,
      tokenId,
      subject,
      now,
      tokenTtlMs: this.config.SETTLE_TOKEN_ISSUER_TOKEN_TTL_MS,
      sessionExpiresAt,
    });
    let accessToken: string;
    try {
      accessToken = await this.signer.sign(claims, now);
    } catch (error) {
      throw this.custodyProblem(error);
    }
    return {
      accessToken,
      tokenType: mode === 'dpop' ? 'DPoP' : 'Bearer',
      expiresIn: claims.exp - claims.iat,
      sessionId,
    };
  }

  private custodyProblem(error: unknown): unknown {
    if (!isKeyCustodyError(error)) return error;
    return new ProblemException({
      status: HttpStatus.SERVICE_UNAVAILABLE,
      code: 'SIGNING_UNAVAILABLE',
      title: 'No token-signing key',
      detail: `key custody: ${error.code}`,
      cause: error,
    });
  }
}

/** Who the token is for; the level is the session's (fixed at its start) or the key's from the projection. */
function subjectOf(
  key: KeyWithOwner,
  proven: ProvenKey,
  attestation: {
    readonly kind: AccessTokenAttestation['kind'];
    readonly level?: AccessTokenAttestation['level'];
  },
): TokenSubject | undefined {
  if (key.owner === undefined) return undefined;
  const level =
    attestation.level ??
    ((key.attestationLevel ?? defaultAttestationLevel) as AccessTokenAttestation['level']);
  const confirmation =
    proven.tokenBindingIdHash === null
      ? { jkt: proven.keyId }
      : { jkt: proven.keyId, tbh: proven.tokenBindingIdHash };
  return {
    subjectId: key.ownerId,
    role: key.ownerKind === 'device' ? 'consumer-device' : 'pos-terminal',
    owner: key.owner,
    attestation: { level, kind: attestation.kind },
    confirmation,
  };
}

const keyMessages: Record<KeyRefusal, string> = {
  KEY_UNKNOWN: 'no binding key with this id is registered',
  KEY_NOT_BINDING: 'the key is not a binding key',
  KEY_NOT_ACTIVE: 'the key is not active (pending, suspended, revoked or rotated)',
  KEY_MISMATCH: 'the proven key is not the registered one',
};

const refreshMessages: Record<RefreshRefusal, string> = {
  SESSION_UNKNOWN: 'no such session',
  SESSION_ENDED: 'the session has ended',
  SESSION_MAX_AGE: 'the session is older than its maximum age',
  TOKEN_NOT_OF_SESSION: 'the access token belongs to another session',
  TOKEN_SUPERSEDED: 'the access token is not the newest of the session',
  BINDING_KEY_CHANGED: 'the binding names another key than the session’s',
};

const fieldOf: Record<Exclude<RefreshRefusal, 'SESSION_UNKNOWN'>, string> = {
  SESSION_ENDED: 'sessionId',
  SESSION_MAX_AGE: 'sessionId',
  TOKEN_NOT_OF_SESSION: 'headers.authorization',
  TOKEN_SUPERSEDED: 'headers.authorization',
  BINDING_KEY_CHANGED: 'headers.sec-token-binding',
};
