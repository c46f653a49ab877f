import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { ConfigValueError } from '../config/config-definition';

/**
 * Admin credentials (DESIGN §8): an operator presents `Authorization: Bearer <credentialId>.<secret>`;
 * the service holds only `scrypt$<N>$<r>$<p>$<saltB64>$<hashB64>` per credential, from
 * SETTLE_ADMIN_CREDENTIALS. `scripts/hash-admin-secret.mjs` makes such a hash. A person is one
 * operator id: several credentials (a laptop, a break-glass card) may name the same operator, and
 * maker–checker compares operators, never credentials.
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
export const scryptDefaults = {
  cost: 2 ** 15,
  blockSize: 8,
  parallelization: 1,
  saltBytes: 16,
  hashBytes: 32,
} as const;

export interface ScryptHash {
  readonly cost: number;
  readonly blockSize: number;
  readonly parallelization: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/**
 * What an operator may do. Every role may read; a `maker` starts money movements and other changes;
 * a `checker` approves or rejects what another operator started. Closed set, append-only.
 */
export const adminRoles = ['viewer', 'maker', 'checker'] as const;
export type AdminRole = (typeof adminRoles)[number];

/**
 * Roles of an entry that names none: what every operator could do before roles existed, except
 * approving — a checker must be named explicitly (docs/operations.md, "Operators").
 */
export const adminRolesDefault: readonly AdminRole[] = ['viewer', 'maker'];

export interface AdminCredential {
  /** What the caller presents before the dot; the operator id when the entry names no other. */
  readonly credentialId: string;
  /** The person: one operator may hold several credentials. */
  readonly operatorId: string;
  readonly roles: readonly AdminRole[];
  readonly secretHash: ScryptHash;
}

/** A parsed `Authorization` header; the secret is still unverified. */
export interface PresentedAdminCredential {
  readonly credentialId: string;
  readonly secret: string;
}

/**
 * Parses the SETTLE_ADMIN_CREDENTIALS value (already JSON-decoded): an array of
 * `{ operatorId, secretHash, credentialId?, roles? }`. Throws a {@link ConfigValueError} naming every
 * bad entry by position, never quoting a hash.
 */
export function parseAdminCredentials(value: unknown): AdminCredential[] {
  if (!Array.isArray(value)) {
    throw new ConfigValueError(
      'a JSON array of {"operatorId": "...", "secretHash": "scrypt$N$r$p$salt$hash", "roles": ["viewer", "maker", "checker"]}',
    );
  }
  if (value.length > adminCredentialsCountMax) {
    throw new ConfigValueError(`at most ${adminCredentialsCountMax} admin credentials`);
  }
  const problems: string[] = [];
  const credentials: AdminCredential[] = [];
  const seen = new Set<string>();
  value.forEach((entry: unknown, index) => {
    const parsed = parseCredentialEntry(entry, `entry ${index}`, problems);
    if (!parsed) return;
    if (seen.has(parsed.credentialId))
      problems.push(`entry ${index}: credentialId ${parsed.credentialId} appears twice`);
    seen.add(parsed.credentialId);
    credentials.push(parsed);
  });
  if (problems.length > 0)
    throw new ConfigValueError(`a valid list of admin credentials (${problems.join('; ')})`);
  return credentials;
}

function parseCredentialEntry(
  entry: unknown,
  where: string,
  problems: string[],
): AdminCredential | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    problems.push(`${where} must be an object with operatorId and secretHash`);
    return undefined;
  }
  const {
    operatorId,
    secretHash,
    credentialId = operatorId,
    roles = adminRolesDefault,
    ...unknown
  } = entry as Record<string, unknown>;
  if (Object.keys(unknown).length > 0)
    problems.push(`${where} has unknown fields ${Object.keys(unknown).join(', ')}`);
  if (typeof operatorId !== 'string' || !adminOperatorIdPattern.test(operatorId)) {
    problems.push(`${where}: operatorId must be 1 to 64 letters, digits, "_" or "-"`);
    return undefined;
  }
  if (typeof credentialId !== 'string' || !adminOperatorIdPattern.test(credentialId)) {
    problems.push(
      `${where} (${operatorId}): credentialId must be 1 to 64 letters, digits, "_" or "-"`,
    );
    return undefined;
  }
  if (!isRoleList(roles)) {
    problems.push(
      `${where} (${operatorId}): roles must be a non-empty list of distinct ${adminRoles.join(', ')}`,
    );
    return undefined;
  }
  const parsed = typeof secretHash === 'string' ? parseScryptHash(secretHash) : undefined;
  if (!parsed) {
    problems.push(
      `${where} (${operatorId}): secretHash must be scrypt$N$r$p$saltBase64$hashBase64 within the accepted bounds`,
    );
    return undefined;
  }
  return { credentialId, operatorId, roles, secretHash: parsed };
}

function isRoleList(roles: unknown): roles is readonly AdminRole[] {
  return (
    Array.isArray(roles) &&
    roles.length > 0 &&
    new Set(roles).size === roles.length &&
    roles.every(
      (role) => typeof role === 'string' && (adminRoles as readonly string[]).includes(role),
    )
  );
}

/** Parses `scrypt$N$r$p$salt$hash`, or returns undefined when the format or a bound is wrong. */
export function parseScryptHash(encoded: string): ScryptHash | undefined {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [cost, blockSize, parallelization] = parts
    .slice(1, 4)
    .map((part) => (/^\d{1,8}$/.test(part) ? Number(part) : NaN));
  const salt = decodeBase64(parts[4] ?? '');
  const hash = decodeBase64(parts[5] ?? '');
  if (
    cost === undefined ||
    blockSize === undefined ||
    parallelization === undefined ||
    !salt ||
    !hash
  )
    return undefined;
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
  return [
    'scrypt',
    hash.cost,
    hash.blockSize,
    hash.parallelization,
    hash.salt.toString('base64'),
    hash.hash.toString('base64'),
  ].join('$');
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
    scrypt(
      secret,
      reference.salt,
      reference.hash.length,
      { N: cost, r: blockSize, p: parallelization, maxmem },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** Constant-time check of `secret` against `reference`. */
export async function verifyScrypt(secret: string, reference: ScryptHash): Promise<boolean> {
  const derived = await deriveScrypt(secret, reference);
  return derived.length === reference.hash.length && timingSafeEqual(derived, reference.hash);
}

/**
 * Splits `Bearer <credentialId>.<secret>`; returns undefined for anything else (the caller answers
 * 401 without saying which part was wrong).
 */
export function parseAdminAuthorization(
  header: string | undefined,
): PresentedAdminCredential | undefined {
  if (header === undefined || header.length > adminAuthorizationLengthMax) return undefined;
  const match = /^Bearer ([^.\s]+)\.(\S+)$/i.exec(header.trim());
  const credentialId = match?.[1];
  const secret = match?.[2];
  if (!credentialId || !secret || !adminOperatorIdPattern.test(credentialId)) return undefined;
  return { credentialId, secret };
}

function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64');
  return decoded.length > 0 ? decoded : undefined;
}
