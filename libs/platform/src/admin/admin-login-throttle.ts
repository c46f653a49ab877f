/**
 * Limits how often this process computes scrypt for admin credentials it has not verified yet, per
 * presented credential id, per source address, and in all. A request over a limit is refused before
 * the hash is computed: scrypt's cost (tens of milliseconds of CPU, 32 MiB) is what an attacker would
 * otherwise buy for free.
 *
 * In memory, per process, on purpose: the resource protected is this process's CPU and memory, so a
 * per-process count is exactly its scope; the check must cost far less than what it protects and must
 * keep working when PostgreSQL is slow (a database round trip per attempt would move the load there).
 * Guessing gains nothing from several replicas: secrets are random (docs/operations.md), so the limit
 * only has to keep the service responsive; the effective limit is the one below × admin replicas.
 */

/** The counting window. */
export const adminLoginWindowMs = 60_000;
/** scrypt computations per presented credential id in one window. */
export const adminLoginAttemptsPerCredentialMax = 10;
/** scrypt computations per source address in one window. */
export const adminLoginAttemptsPerAddressMax = 20;
/** scrypt computations in one window in all (spread over many ids or addresses). */
export const adminLoginAttemptsTotalMax = 200;
/** Keys remembered at most; older windows are dropped first, so memory stays bounded under a spray. */
export const adminLoginTrackedKeysMax = 10_000;

interface Window {
  readonly startedAtMs: number;
  attempts: number;
}

export type AdminLoginAdmission =
  { readonly admitted: true } | { readonly admitted: false; readonly retryAfterSeconds: number };

export class AdminLoginThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  /**
   * Counts one scrypt computation for `credentialId` from `address`, or refuses it when any of the
   * three counts is at its limit (then nothing is counted).
   */
  admit(credentialId: string, address: string): AdminLoginAdmission {
    const now = this.nowMs();
    const keyed: Array<[string, number]> = [
      [`credential:${credentialId}`, adminLoginAttemptsPerCredentialMax],
      [`address:${address}`, adminLoginAttemptsPerAddressMax],
      ['total', adminLoginAttemptsTotalMax],
    ];
    const windows = keyed.map(([key, max]) => ({ window: this.current(key, now), max }));
    const full = windows.find(({ window, max }) => window.attempts >= max);
    if (full)
      return {
        admitted: false,
        retryAfterSeconds: Math.max(
          1,
          Math.ceil((full.window.startedAtMs + adminLoginWindowMs - now) / 1_000),
        ),
      };
    for (const { window } of windows) window.attempts += 1;
    return { admitted: true };
  }

  /** A verified credential no longer counts against its id (a mistyped secret before is forgiven). */
  forgive(credentialId: string): void {
    this.windows.delete(`credential:${credentialId}`);
  }

  private current(key: string, now: number): Window {
    const found = this.windows.get(key);
    if (found && now - found.startedAtMs < adminLoginWindowMs) return found;
    this.windows.delete(key);
    if (this.windows.size >= adminLoginTrackedKeysMax) this.dropOldest();
    const fresh = { startedAtMs: now, attempts: 0 };
    // Map order is insertion order: the first keys are the oldest windows.
    this.windows.set(key, fresh);
    return fresh;
  }

  private dropOldest(): void {
    const oldest = this.windows.keys().next();
    if (!oldest.done) this.windows.delete(oldest.value);
  }
}
