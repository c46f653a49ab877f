import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { type AndroidRevocationStatusList, androidRevocationStatusListFetched, parseAndroidRevocationStatusList } from '@settle/attestation';
import { type SqlExecutor, type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, type Logger, PLATFORM_LOGGER, SERVICE_CONFIG, SQL_POOL } from '@settle/platform';
import { type TokenIssuerSettings } from '../config';

/** The URL value that turns fetching off (development): an empty value would be unset, i.e. the default. */
export const revocationListOff = 'off';

/** Largest list body read (Google's is a few hundred KiB): a larger one is refused before it is parsed. */
export const revocationListSizeMaxBytes = 16 * 1024 * 1024;
/** How long one fetch may take, connection to last byte. */
export const revocationListFetchTimeoutMs = 30_000;

/** A list nobody has fetched yet vouches for nothing: Android attestation is refused as stale. */
const neverFetched: AndroidRevocationStatusList = Object.freeze({ entries: new Map(), staleAfter: new Date(0) });

/**
 * GETs the list over HTTPS (TLS is its only protection: http is refused), trusting `caPem` instead of
 * the system roots when given (a mirror, a test server). Resolves the parsed JSON; rejects on a status
 * other than 200, a body over the limit, a timeout or JSON that does not parse.
 */
export function fetchRevocationStatusJson(url: string, caPem: string | undefined): Promise<{ json: unknown; sha256: string }> {
  if (new URL(url).protocol !== 'https:') return Promise.reject(new Error(`the revocation status list URL must be https: ${url}`));
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', timeout: revocationListFetchTimeoutMs, headers: { accept: 'application/json' }, ...(caPem === undefined ? {} : { ca: caPem }) }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`the revocation status list answered ${response.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > revocationListSizeMaxBytes) req.destroy(new Error(`the revocation status list exceeds ${revocationListSizeMaxBytes} bytes`));
        else chunks.push(chunk);
      });
      response.on('end', () => {
        const body = Buffer.concat(chunks);
        try {
          resolve({ json: JSON.parse(body.toString('utf8')), sha256: createHash('sha256').update(body).digest('hex') });
        } catch (error) {
          reject(new Error(`the revocation status list is not JSON (${(error as Error).message})`));
        }
      });
      response.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`the revocation status list took longer than ${revocationListFetchTimeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Stores a checked copy (the newer fetch wins, so a slow replica cannot put an older copy back). */
async function storeRevocationStatus(sql: SqlExecutor, sourceUrl: string, fetchedAt: Date, sha256: string, entries: object, entryCount: number): Promise<void> {
  await sql.query(
    `INSERT INTO token_issuer_android_revocation_status (source_url, fetched_at, sha256, entry_count, list)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (source_url) DO UPDATE SET fetched_at = EXCLUDED.fetched_at, sha256 = EXCLUDED.sha256, entry_count = EXCLUDED.entry_count, list = EXCLUDED.list
     WHERE token_issuer_android_revocation_status.fetched_at < EXCLUDED.fetched_at`,
    [sourceUrl, fetchedAt, sha256, entryCount, JSON.stringify({ entries })],
  );
}

/** The stored copy with its age limit, or undefined when none is stored. */
async function loadRevocationStatus(sql: SqlExecutor, sourceUrl: string, ageMaxSeconds: number): Promise<AndroidRevocationStatusList | undefined> {
  const { rows } = await sql.query<{ fetched_at: Date; list: unknown }>('SELECT fetched_at, list FROM token_issuer_android_revocation_status WHERE source_url = $1', [sourceUrl]);
  return rows[0] === undefined ? undefined : androidRevocationStatusListFetched(rows[0].list, rows[0].fetched_at, ageMaxSeconds);
}

/**
 * The token issuer's copy of the verifier's source (apps/verifier/src/attestation/android-revocation-status.ts,
 * the same code over a table of the same shape; docs/attestation.md says why it is a copy): Google's
 * Android attestation status list for fresh attestation at session start, kept fresh: fetched from
 * SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_URL every SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_REFRESH_MS,
 * its format checked before it is stored, stored in PostgreSQL, and read back into memory. `current()`
 * is what the Android policies use; the library refuses Android evidence once it is stale. An empty
 * `off` as URL turns fetching off (development): `current()` is then undefined and the policy's configured
 * list applies, with no age limit.
 */
@Injectable()
export class AndroidRevocationStatus implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private list: AndroidRevocationStatusList = neverFetched;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly caPem: string | undefined;

  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: TokenIssuerSettings,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {
    const caFile = config.SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_CA_FILE;
    this.caPem = caFile === '' ? undefined : readFileSync(caFile, 'utf8');
  }

  /** The list the Android policies use now; undefined when fetching is off. */
  current(): AndroidRevocationStatusList | undefined {
    return this.enabled() ? this.list : undefined;
  }

  /** A restarted replica starts from the stored copy at once, not from "never fetched" until its first fetch ends. */
  async onModuleInit(): Promise<void> {
    if (this.enabled()) await this.reload();
  }

  onApplicationBootstrap(): void {
    if (!this.enabled()) {
      this.logger.warn({}, 'the Android revocation status list is not fetched (SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_URL=off): development only');
      return;
    }
    const round = () => {
      if (this.running !== undefined) return;
      this.running = this.refresh().finally(() => (this.running = undefined));
    };
    round();
    this.timer = setInterval(round, this.config.SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_REFRESH_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /**
   * One round: fetch, check and store (a failure is logged; the stored copy stays), then read the stored
   * copy back — possibly one another replica fetched. Never throws.
   */
  async refresh(): Promise<void> {
    const url = this.config.SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_URL;
    try {
      const { json, sha256 } = await fetchRevocationStatusJson(url, this.caPem);
      const checked = parseAndroidRevocationStatusList(json);
      await storeRevocationStatus(this.pool, url, this.clock.now(), sha256, (json as { entries: object }).entries, checked.entries.size);
      this.logger.info({ url, entries: checked.entries.size, sha256 }, 'Android revocation status list fetched');
    } catch (error) {
      this.logger.warn({ url, err: error }, 'Android revocation status list not fetched; the stored copy stays in use until it is too old');
    }
    await this.reload();
  }

  /** Reads the stored copy into memory; on a database error the copy in memory stays (it ages all the same). */
  private async reload(): Promise<void> {
    const url = this.config.SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_URL;
    try {
      this.list = (await loadRevocationStatus(this.pool, url, this.ageMaxSeconds())) ?? neverFetched;
    } catch (error) {
      this.logger.warn({ url, err: error }, 'Android revocation status list not read from the database');
    }
  }

  /** Only where fresh Android evidence is accepted at all (an Android policy is configured). */
  private enabled(): boolean {
    return this.config.SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_URL !== revocationListOff && this.config.SETTLE_TOKEN_ISSUER_ANDROID_ATTESTATION_POLICY_FILE !== '';
  }

  private ageMaxSeconds(): number {
    return Math.ceil(this.config.SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_AGE_MAX_MS / 1000);
  }
}
