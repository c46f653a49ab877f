import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import {
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import {
  type AndroidRevocationStatusList,
  androidRevocationStatusListFetched,
  parseAndroidRevocationStatusList,
} from '@settle/attestation';
import { type Pool } from 'pg';
import { type Clock } from '../clock/clock';
import { type Logger } from '../logging/logger';

/** The URL value that turns fetching off (development): an empty value would be unset, i.e. the default. */
export const revocationListOff = 'off';

/** Largest list body read (Google's is a few hundred KiB): a larger one is refused before it is parsed. */
const revocationListSizeMaxBytes = 16 * 1024 * 1024;
/** How long one fetch may take, connection to last byte. */
const revocationListFetchTimeoutMs = 30_000;

/** A list nobody has fetched yet vouches for nothing: Android attestation is refused as stale. */
const neverFetched: AndroidRevocationStatusList = Object.freeze({
  entries: new Map(),
  staleAfter: new Date(0),
});

/**
 * GETs the list over HTTPS (TLS is its only protection: http is refused), trusting `caPem` instead of
 * the system roots when given (a mirror, a test server). Resolves the parsed JSON; rejects on a status
 * other than 200, a body over the limit, a timeout or JSON that does not parse.
 */
function fetchRevocationStatusJson(
  url: string,
  caPem: string | undefined,
): Promise<{ json: unknown; sha256: string }> {
  if (new URL(url).protocol !== 'https:')
    return Promise.reject(new Error(`the revocation status list URL must be https: ${url}`));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        timeout: revocationListFetchTimeoutMs,
        headers: { accept: 'application/json' },
        ...(caPem === undefined ? {} : { ca: caPem }),
      },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new Error(`the revocation status list answered ${response.statusCode}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > revocationListSizeMaxBytes)
            req.destroy(
              new Error(`the revocation status list exceeds ${revocationListSizeMaxBytes} bytes`),
            );
          else chunks.push(chunk);
        });
        response.on('end', () => {
          const body = Buffer.concat(chunks);
          try {
            resolve({
              json: JSON.parse(body.toString('utf8')),
              sha256: createHash('sha256').update(body).digest('hex'),
            });
          } catch (error) {
            reject(
              new Error(`the revocation status list is not JSON (${(error as Error).message})`),
            );
          }
        });
        response.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(
        new Error(`the revocation status list took longer than ${revocationListFetchTimeoutMs} ms`),
      ),
    );
    req.on('error', reject);
    req.end();
  });
}

/** Where one service keeps its copy of the list, and how it fetches it (its SETTLE_<SERVICE>_ANDROID_REVOCATION_LIST_* settings). */
export interface AndroidRevocationStatusSettings {
  /** The service's table (`source_url`, `fetched_at`, `sha256`, `entry_count`, `list`; one row per source). */
  readonly table: string;
  /** The list's URL, or {@link revocationListOff}. */
  readonly url: string;
  /** A CA file trusted instead of the system roots; '' for the system roots. */
  readonly caFile: string;
  readonly refreshMs: number;
  readonly ageMaxMs: number;
  /** The setting that holds the URL, named in the development-only warning. */
  readonly urlSettingName: string;
  /** False where the service accepts no Android evidence at all (nothing to fetch for). */
  readonly needed?: boolean;
}

/**
 * Google's Android attestation status list, kept fresh (issue 13 §1), the same for every service that
 * judges Android evidence (the verifier at enrolment, the token issuer at session start): fetched every
 * `refreshMs`, its format checked before it is stored, stored in the service's PostgreSQL table, and read
 * back into memory. `current()` is what the Android policies use; the attestation library refuses
 * Android evidence once the copy is older than `ageMaxMs`. A URL of `off` turns fetching off
 * (development): `current()` is then undefined and the policy's configured list applies, with no age
 * limit. Services subclass it as a Nest provider with their settings.
 */
export class AndroidRevocationStatusKeeper
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private list: AndroidRevocationStatusList = neverFetched;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly caPem: string | undefined;

  constructor(
    private readonly pool: Pick<Pool, 'query'>,
    private readonly clock: Clock,
    private readonly settings: AndroidRevocationStatusSettings,
    private readonly logger: Logger,
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(settings.table))
      throw new Error(`not a table name: ${settings.table}`);
    this.caPem = settings.caFile === '' ? undefined : readFileSync(settings.caFile, 'utf8');
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
      if (this.settings.url === revocationListOff) {
        this.logger.warn(
          {},
          `the Android revocation status list is not fetched (${this.settings.urlSettingName}=off): development only`,
        );
      }
      return;
    }
    const round = () => {
      if (this.running !== undefined) return;
      this.running = this.refresh().finally(() => (this.running = undefined));
    };
    round();
    this.timer = setInterval(round, this.settings.refreshMs);
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
    const { url } = this.settings;
    try {
      const { json, sha256 } = await fetchRevocationStatusJson(url, this.caPem);
      const checked = parseAndroidRevocationStatusList(json);
      await this.store(
        this.clock.now(),
        sha256,
        (json as { entries: object }).entries,
        checked.entries.size,
      );
      this.logger.info(
        { url, entries: checked.entries.size, sha256 },
        'Android revocation status list fetched',
      );
    } catch (error) {
      this.logger.warn(
        { url, err: error },
        'Android revocation status list not fetched; the stored copy stays in use until it is too old',
      );
    }
    await this.reload();
  }

  /** Stores a checked copy (the newer fetch wins, so a slow replica cannot put an older copy back). */
  private async store(
    fetchedAt: Date,
    sha256: string,
    entries: object,
    entryCount: number,
  ): Promise<void> {
    const { table, url } = this.settings;
    await this.pool.query(
      `INSERT INTO ${table} (source_url, fetched_at, sha256, entry_count, list)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (source_url) DO UPDATE SET fetched_at = EXCLUDED.fetched_at, sha256 = EXCLUDED.sha256, entry_count = EXCLUDED.entry_count, list = EXCLUDED.list
       WHERE ${table}.fetched_at < EXCLUDED.fetched_at`,
      [url, fetchedAt, sha256, entryCount, JSON.stringify({ entries })],
    );
  }

  /** Reads the stored copy into memory; on a database error the copy in memory stays (it ages all the same). */
  private async reload(): Promise<void> {
    const { table, url } = this.settings;
    try {
      const { rows } = await this.pool.query<{ fetched_at: Date; list: unknown }>(
        `SELECT fetched_at, list FROM ${table} WHERE source_url = $1`,
        [url],
      );
      this.list =
        rows[0] === undefined
          ? neverFetched
          : androidRevocationStatusListFetched(
              rows[0].list,
              rows[0].fetched_at,
              Math.ceil(this.settings.ageMaxMs / 1000),
            );
    } catch (error) {
      this.logger.warn(
        { url, err: error },
        'Android revocation status list not read from the database',
      );
    }
  }

  private enabled(): boolean {
    return this.settings.url !== revocationListOff && this.settings.needed !== false;
  }
}
