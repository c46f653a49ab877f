import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { ConfigValueError } from '../config/config-definition';

/**
 * Admin credentials (DESIGN §8): an operator presents `Authorization: Bearer <operatorId>.<secret>`;
 * the service holds only `scrypt$<N>$<r>$<p>$<saltB64>$<hashB64>` per operator, from
 * SETTLE_ADMIN_CREDENTIALS. `scripts/hash-admin-secret.mjs` makes such a hash.
 */

/** Operator ids are short and carry no `.` (the separator from the secret). */
export const adminOperatorIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
/** A longer Authorization header is rejected before any hashing. */
export const adminAuthorizationLengthMax = 512;
/** More entries than this in SETTLE_ADMIN_CREDENTIALS is a configuration mistake. */
export const adminCredentialsCountMax = 100;

/** Bounds on scrypt parameters accepted from configuration: weak hashes and memory bombs are refused. */
export const scryptCostMin = 2 ** 14;
export const scryptCostMax = 2 ** 20;
export const scryptBlockSizeMax = 32;
export const scryptParallelizationMax = 16;
export const scryptSaltBytesMin = 16;
export const scryptHashBytesMin = 32;
export const scryptHashBytesMax = 64;

/** Parameters new hashes get: N = 2^15, r = 8, p = 1 (32 MiB, tens of milliseconds). */
export const scryptDefaults = { cost: 2 ** 15, blockSize: 8, parallelization: 1, saltBytes: 16, hashBytes: 32 } as const;

export interface ScryptHash {
  readonly cost: number;
  readonly blockSize: number;
  readonly parallelization: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

export interface AdminCredential {
  readonly operatorId: string;
  readonly secretHash: ScryptHash;
}

/** A parsed `Authorization` header; the secret is still unverified. */
export interface PresentedAdminCredential {
  readonly operatorId: string;
  readonly secret: string;
}

/**
 * Parses the SETTLE_ADMIN_CREDENTIALS value (already JSON-decoded): an array of
 * `{ operatorId, secretHash }`. Throws a {@link ConfigValueError} naming every bad entry by position,
 * never quoting a hash.
 */
export function parseAdminCredentials(value: unknown): AdminCredential[] {
  if (!Array.isArray(value)) {
    throw new ConfigValueError('a JSON array of {"operatorId": "...", "secretHash": "scrypt$N$r$p$salt$hash"}');
  }
  if (value.length > adminCredentialsCountMax) {
    throw new ConfigValueError(`at most ${adminCredentialsCountMax} admin credentials`);
  }
  const problems: string[] = [];
  const credentials: AdminCredential[] = [];
  const seen = new Set<string>();
  value.forEach((entry: unknown, index) => {
    const where = `entry ${index}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${where} must be an object with operatorId and secretHash`);
      return;
    }
    const { operatorId, secretHash, ...unknown } = entry as Record<string, unknown>;
    if (Object.keys(unknown).length > 0) problems.push(`${where} has unknown fields ${Object.keys(unknown).join(', ')}`);
    if (typeof operatorId !== 'string' || !adminOperatorIdPattern.test(operatorId)) {
      problems.push(`${where}: operatorId must be 1 to 64 letters, digits, "_" or "-"`);
      return;
    }
    if (seen.has(operatorId)) problems.push(`${where}: operatorId ${operatorId} appears twice`);
    seen.add(operatorId);
    const parsed = typeof secretHash === 'string' ? parseScryptHash(secretHash) : undefined;
    if (!parsed) {
      problems.push(`${where} (${operatorId}): secretHash must be scrypt$N$r$p$saltBase64$hashBase64 within the accepted bounds`);
      return;
    }
    credentials.push({ operatorId, secretHash: parsed });
  });
  if (problems.length > 0) throw new ConfigValueError(`a valid list of admin credentials (${problems.join('; ')})`);
  return credentials;
}

/** Parses `scrypt$N$r$p$salt$hash`, or returns undefined when the format or a bound is wrong. */
export function parseScryptHash(encoded: string): ScryptHash | undefined {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [cost, blockSize, parallelization] = parts.slice(1, 4).map((part) => (/^\d{1,8}$/.test(part) ? Number(part) : NaN));
  const salt = decodeBase64(parts[4] ?? '');
  const hash = decodeBase64(parts[5] ?? '');
  if (cost === undefined || blockSize === undefined || parallelization === undefined || !salt || !hash) return undefined;
  const costIsPowerOfTwo = Number.isInteger(Math.log2(cost));
  const withinBounds =
    costIsPowerOfTwo &&
    cost >= scryptCostMin &&
    cost <= scryptCostMax &&
    blockSize >= 1 &&
    blockSize <= scryptBlockSizeMax &&
    parallelization >= 1 &&
    parallelization <= scryptParallelizationMax &&
    salt.length >= scryptSaltBytesMin &&
    hash.length >= scryptHashBytesMin &&
    hash.length <= scryptHashBytesMax;
  return withinBounds ? { cost, blockSize, parallelization, salt, hash } : undefined;
}

/** Formats a hash the way SETTLE_ADMIN_CREDENTIALS expects it. */
export function formatScryptHash(hash: ScryptHash): string {
  return ['scrypt', hash.cost, hash.blockSize, hash.parallelization, hash.salt.toString('base64'), hash.hash.toString('base64')].join('$');
}

/**
 * Hashes an admin secret with fresh salt, for configuration (scripts/hash-admin-secret.mjs does the
 * same from the command line).
 */
export async function hashAdminSecret(
  secret: string,
  parameters: { cost: number; blockSize: number; parallelization: number } = scryptDefaults,
): Promise<string> {
  if (secret.length === 0) throw new Error('hashAdminSecret: the secret is empty');
  const salt = randomBytes(scryptDefaults.saltBytes);
  const template = { ...parameters, salt, hash: Buffer.alloc(scryptDefaults.hashBytes) };
  return formatScryptHash({ ...template, hash: await deriveScrypt(secret, template) });
}

/** scrypt of `secret` with the parameters and salt of `reference`, as long as its hash. */
export function deriveScrypt(secret: string, reference: ScryptHash): Promise<Buffer> {
  const { cost, blockSize, parallelization } = reference;
  // scrypt needs 128·N·r·p bytes; Node's default ceiling (32 MiB) is too tight for N = 2^15, r = 8.
  const maxmem = 256 * cost * blockSize * parallelization;
  return new Promise((resolve, reject) => {
    scrypt(secret, reference.salt, reference.hash.length, { N: cost, r: blockSize, p: parallelization, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Constant-time check of `secret` against `reference`. */
export async function verifyScrypt(secret: string, reference: ScryptHash): Promise<boolean> {
  const derived = await deriveScrypt(secret, reference);
  return derived.length === reference.hash.length && timingSafeEqual(derived, reference.hash);
}

/**
 * Splits `Bearer <operatorId>.<secret>`; returns undefined for anything else (the caller answers
 * 401 without saying which part was wrong).
 */
export function parseAdminAuthorization(header: string | undefined): PresentedAdminCredential | undefined {
  if (header === undefined || header.length > adminAuthorizationLengthMax) return undefined;
  const match = /^Bearer ([^.\s]+)\.(\S+)$/i.exec(header.trim());
  const operatorId = match?.[1];
  const secret = match?.[2];
  if (!operatorId || !secret || !adminOperatorIdPattern.test(operatorId)) return undefined;
  return { operatorId, secret };
}

function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64');
  return decoded.length > 0 ? decoded : undefined;
}
