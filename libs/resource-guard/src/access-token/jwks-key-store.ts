import { type Clock, systemClock } from '@settle/crypto';
import { type CryptoKey, type JWK, importJWK } from 'jose';

/** An unknown `kid` refetches the JWKS at most this often: random kids cannot make us hammer the issuer. */
export const jwksRefetchIntervalMsMin = 30_000;
/**
 * After a failed fetch, the next may come this soon: an issuer that was not up yet when this service
 * started (its readiness check fetched first) is found within a second, not after the full interval,
 * and a down issuer still sees at most one fetch a second per replica.
 */
export const jwksRetryAfterFailureMsMin = 1_000;
/** Known keys are refetched this often anyway, so a key the issuer withdrew stops verifying. */
export const jwksCacheMaxAgeMs = 10 * 60_000;
/** A JWKS fetch that takes longer fails (and the request answers 503 if no cached key fits). */
export const jwksFetchTimeoutMs = 5_000;
/** Larger JWKS documents are refused: an issuer publishes a handful of keys. */
export const jwksKeysMax = 32;
/**
 * Default of `SETTLE_AUTH_JWKS_TRUST_MAX_MS`: keys last fetched longer ago than this are no longer
 * trusted while the issuer stays unreachable (a key the issuer withdrew — compromised — must stop
 * verifying somewhere).
 */
export const jwksTrustMsMaxDefault = 3_600_000;

/** A JSON Web Key Set as the issuer publishes it. */
export interface JsonWebKeySet {
  readonly keys: readonly JWK[];
}

/** Fetches the JWKS document (the default uses the global `fetch`; tests count calls). */
export type JwksFetcher = (url: string) => Promise<unknown>;

/** The JWKS could not be fetched or is malformed: retrying later may help. */
export class JwksUnavailableError extends Error {
  override readonly name: string = 'JwksUnavailableError';
  readonly code: 'JWKS_UNAVAILABLE' | 'JWKS_STALE' = 'JWKS_UNAVAILABLE';
  readonly retriable = true;
}

/**
 * The keys were last fetched longer ago than the trust limit and the issuer cannot be reached now:
 * requests are refused (`ISSUER_KEYS_STALE`) until a fetch succeeds.
 */
export class JwksStaleError extends JwksUnavailableError {
  override readonly name: string = 'JwksStaleError';
  override readonly code = 'JWKS_STALE' as const;
}

/** Where a {@link JwksKeyStore} gets its keys: a URL (with an injectable fetcher and clock) or a fixed set. */
export interface JwksKeyStoreOptions {
  /** The issuer's JWKS URL (fetched) … */
  readonly url?: string;
  /** URL only: how long after the last successful fetch the keys are still trusted ({@link jwksTrustMsMaxDefault}). */
  readonly trustMsMax?: number;
  /** … or a fixed key set (tests, development): never refetched. */
  readonly staticJwks?: JsonWebKeySet;
  readonly fetcher?: JwksFetcher;
  readonly clock?: Clock;
}

const defaultFetcher: JwksFetcher = async (url) => {
  const response = await fetch(url, {
    signal: AbortSignal.timeout(jwksFetchTimeoutMs),
    headers: { accept: 'application/json' },
  });
  if (!response.ok) throw new JwksUnavailableError(`JWKS answered HTTP ${response.status}`);
  return response.json();
};

/**
 * The token issuer's public keys by `kid`, cached. Only ES256 (EC P-256) keys are kept; an unknown
 * `kid` triggers one refetch unless the last fetch was less than {@link jwksRefetchIntervalMsMin}
 * ago; concurrent misses share one fetch.
 *
 * @example
 * const keys = new JwksKeyStore({ url: 'https://tokens.settle.example/.well-known/jwks.json' });
 * const key = await keys.keyFor('2026-11');   // CryptoKey, or null for a kid the issuer does not have
 */
export class JwksKeyStore {
  private keys = new Map<string, CryptoKey>();
  /** The last fetch attempt (successful or not): the refetch interval counts from it. */
  private fetchedAtMs: number | null = null;
  /** Whether that attempt failed: the next may then come sooner ({@link jwksRetryAfterFailureMsMin}). */
  private lastFetchFailed = false;
  /** The last successful load: the trust limit counts from it. */
  private loadedAtMs: number | null = null;
  private inFlight: Promise<void> | null = null;
  private fetchCount = 0;
  private readonly clock: Clock;
  private readonly fetcher: JwksFetcher;
  private readonly trustMsMax: number;

  constructor(private readonly options: JwksKeyStoreOptions) {
    if ((options.url === undefined) === (options.staticJwks === undefined))
      throw new Error('JwksKeyStore needs exactly one of url and staticJwks');
    this.clock = options.clock ?? systemClock;
    this.fetcher = options.fetcher ?? defaultFetcher;
    this.trustMsMax = options.trustMsMax ?? jwksTrustMsMaxDefault;
    if (!(this.trustMsMax >= jwksCacheMaxAgeMs))
      throw new Error(
        `JwksKeyStore: trustMsMax must be at least jwksCacheMaxAgeMs (${jwksCacheMaxAgeMs} ms)`,
      );
  }

  /**
   * Whether the keys are past the trust limit (a fixed set never is), refetching first when a refetch
   * is due: for readiness, which reports why requests are refused.
   */
  async trustState(): Promise<{
    readonly stale: boolean;
    readonly loadedAt: Date | null;
    readonly trustMsMax: number;
  }> {
    const nowMs = this.clock().getTime();
    if (this.options.url !== undefined && this.mayRefetch(nowMs))
      await this.refresh().catch(() => undefined);
    const loadedAt = this.loadedAtMs === null ? null : new Date(this.loadedAtMs);
    return {
      stale:
        this.options.url !== undefined &&
        this.loadedAtMs !== null &&
        this.isPastTrust(this.clock().getTime()),
      loadedAt,
      trustMsMax: this.trustMsMax,
    };
  }

  /** How many times the JWKS was fetched (tests, metrics). */
  get fetches(): number {
    return this.fetchCount;
  }

  /** The key for `kid`, or null when the issuer does not have it (after at most one refetch). */
  async keyFor(kid: string): Promise<CryptoKey | null> {
    const nowMs = this.clock().getTime();
    if (this.options.staticJwks !== undefined) {
      if (this.fetchedAtMs === null) await this.load(this.options.staticJwks, nowMs);
      return this.keys.get(kid) ?? null;
    }
    const stale = this.fetchedAtMs === null || nowMs - this.fetchedAtMs >= jwksCacheMaxAgeMs;
    const known = this.keys.get(kid);
    if (known !== undefined && !stale && !this.isPastTrust(nowMs)) return known;
    if (this.mayRefetch(nowMs)) {
      try {
        await this.refresh();
      } catch (error) {
        // A stale but known key still verifies while the issuer is unreachable, up to the trust
        // limit; an unknown one cannot.
        if (known === undefined && !this.isPastTrust(this.clock().getTime())) throw error;
      }
    }
    // Never loaded (the last attempt failed, the next is not due): unknown, not refused as unknown.
    if (this.loadedAtMs === null)
      throw new JwksUnavailableError("the issuer's keys have not been fetched yet");
    if (this.isPastTrust(this.clock().getTime())) {
      throw new JwksStaleError(
        `the issuer's keys were last fetched more than ${this.trustMsMax} ms ago and it cannot be reached`,
      );
    }
    return this.keys.get(kid) ?? null;
  }

  /** Whether a fetch may start now: never fetched, or the interval since the last attempt is over. */
  private mayRefetch(nowMs: number): boolean {
    if (this.fetchedAtMs === null) return true;
    const interval = this.lastFetchFailed ? jwksRetryAfterFailureMsMin : jwksRefetchIntervalMsMin;
    return nowMs - this.fetchedAtMs >= interval;
  }

  private isPastTrust(nowMs: number): boolean {
    return this.loadedAtMs !== null && nowMs - this.loadedAtMs > this.trustMsMax;
  }

  private refresh(): Promise<void> {
    this.inFlight ??= (async () => {
      try {
        this.fetchCount += 1;
        const document = await this.fetcher(this.options.url!);
        await this.load(document, this.clock().getTime());
        this.lastFetchFailed = false;
      } catch (error) {
        // A failed fetch counts too, against the shorter retry interval: a down issuer is not hammered.
        this.fetchedAtMs = this.clock().getTime();
        this.lastFetchFailed = true;
        throw error instanceof JwksUnavailableError
          ? error
          : new JwksUnavailableError('JWKS fetch failed', { cause: error });
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }

  private async load(document: unknown, nowMs: number): Promise<void> {
    const keys = (document as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys) || keys.length > jwksKeysMax)
      throw new JwksUnavailableError(`JWKS must have a keys array of at most ${jwksKeysMax}`);
    const loaded = new Map<string, CryptoKey>();
    for (const jwk of keys as JWK[]) {
      if (typeof jwk !== 'object' || jwk === null || typeof jwk.kid !== 'string') continue;
      if (
        jwk.kty !== 'EC' ||
        jwk.crv !== 'P-256' ||
        (jwk.alg !== undefined && jwk.alg !== 'ES256') ||
        'd' in jwk
      )
        continue;
      if (jwk.use !== undefined && jwk.use !== 'sig') continue;
      loaded.set(
        jwk.kid,
        (await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, 'ES256')) as CryptoKey,
      );
    }
    this.keys = loaded;
    this.fetchedAtMs = nowMs;
    this.loadedAtMs = nowMs;
  }
}
