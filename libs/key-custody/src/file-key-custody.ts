import { readFileSync, statSync } from 'node:fs';
import {
  type Es256PrivateJwk,
  type Es256PublicJwk,
  calculateJwkThumbprint,
  createSigner,
  exportPublicJwk,
  generateKeyPair,
  importPrivateJwk,
} from '@settle/crypto';
import { KeyCustodyError } from './errors';
import {
  type CustodyKey,
  type CustodyPurpose,
  type KeyCustody,
  custodyPurposes,
} from './key-custody';

/**
 * One key of a custody document: the private JWK and its schedule.
 *
 * @example
 * ```ts
 * const entry: KeyCustodyEntry = { purpose: 'token-signing', privateJwk, activatesAt: '2026-11-01T00:00:00Z' };
 * ```
 */
export interface KeyCustodyEntry {
  readonly purpose: CustodyPurpose;
  readonly privateJwk: Es256PrivateJwk;
  readonly activatesAt: string;
  readonly retiresAt?: string;
}

/**
 * The JSON file `FileKeyCustody` reads (a Kubernetes Secret mounted as a file in deployments that
 * have no KMS): `{ "keys": [KeyCustodyEntry, …] }`.
 *
 * @example
 * ```ts
 * const document: KeyCustodyDocument = { keys: [{ purpose: 'credential-signing', privateJwk, activatesAt: '2026-11-01T00:00:00Z' }] };
 * ```
 */
export interface KeyCustodyDocument {
  readonly keys: readonly KeyCustodyEntry[];
}

const keyCustodyDocumentSizeMaxBytes = 1_048_576;
const keysMax = 64;

interface HeldKey extends CustodyKey {
  /** Signs with the key, imported into OpenSSL once when the document is read. */
  readonly sign: (data: Uint8Array) => Uint8Array;
}

function invalid(message: string): never {
  throw new KeyCustodyError('ERR_CUSTODY_DOCUMENT_INVALID', `key custody document: ${message}`);
}

function readDate(value: unknown, field: string): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime()))
    return invalid(`${field} must be an ISO 8601 time`);
  return date;
}

function readEntry(value: unknown, index: number): HeldKey {
  if (typeof value !== 'object' || value === null)
    return invalid(`keys/${index} must be an object`);
  const entry = value as Record<string, unknown>;
  const unknownField = Object.keys(entry).find(
    (name) => !['purpose', 'privateJwk', 'activatesAt', 'retiresAt'].includes(name),
  );
  if (unknownField !== undefined) invalid(`keys/${index}/${unknownField} is not a known field`);
  if (!custodyPurposes.includes(entry['purpose'] as CustodyPurpose))
    invalid(`keys/${index}/purpose must be one of ${custodyPurposes.join(', ')}`);
  let privateJwk: Es256PrivateJwk;
  try {
    privateJwk = importPrivateJwk(entry['privateJwk'], { alg: 'ES256' }) as Es256PrivateJwk;
  } catch {
    // The reason may quote the key: never pass it on.
    return invalid(`keys/${index}/privateJwk must be a valid P-256 private JWK`);
  }
  const publicJwk = exportPublicJwk(privateJwk) as Es256PublicJwk;
  const activatesAt = readDate(entry['activatesAt'], `keys/${index}/activatesAt`);
  const retiresAt =
    entry['retiresAt'] === undefined
      ? undefined
      : readDate(entry['retiresAt'], `keys/${index}/retiresAt`);
  if (retiresAt !== undefined && retiresAt <= activatesAt)
    invalid(`keys/${index}/retiresAt must be after activatesAt`);
  const sign = createSigner({ alg: 'ES256', privateJwk, backend: 'native' });
  const key = {
    purpose: entry['purpose'] as CustodyPurpose,
    kid: calculateJwkThumbprint(publicJwk),
    alg: 'ES256' as const,
    publicJwk,
    activatesAt,
    sign,
  };
  return retiresAt === undefined ? key : { ...key, retiresAt };
}

function parseDocument(text: string): HeldKey[] {
  if (Buffer.byteLength(text) > keyCustodyDocumentSizeMaxBytes)
    invalid(`larger than ${keyCustodyDocumentSizeMaxBytes} bytes`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return invalid('not JSON');
  }
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > keysMax)
    return invalid(`keys must be an array of 1 to ${keysMax} entries`);
  const held = keys.map(readEntry);
  const duplicate = held.find(
    (key, index) => held.findIndex((other) => other.kid === key.kid) !== index,
  );
  if (duplicate !== undefined) invalid(`key ${duplicate.kid} is listed twice`);
  return held;
}

/** What custody holds from one reading of its document: the keys by purpose, and by purpose and kid. */
interface HeldDocument {
  /** The public halves, frozen: `keys()` hands out the same array until the document changes. */
  readonly publicByPurpose: ReadonlyMap<CustodyPurpose, readonly CustodyKey[]>;
  readonly byPurposeAndKid: ReadonlyMap<string, HeldKey>;
}

const heldKeyOf = (purpose: CustodyPurpose, kid: string): string => `${purpose} ${kid}`;

function holdDocument(text: string): HeldDocument {
  const held = parseDocument(text);
  const publicByPurpose = new Map<CustodyPurpose, readonly CustodyKey[]>(
    custodyPurposes.map((purpose) => [
      purpose,
      Object.freeze(
        held
          .filter((key) => key.purpose === purpose)
          .map(({ sign: _secret, ...key }) => Object.freeze(key)),
      ),
    ]),
  );
  return {
    publicByPurpose,
    byPurposeAndKid: new Map(held.map((key) => [heldKeyOf(key.purpose, key.kid), key])),
  };
}

/** The document, or the error that says why it is not one (never quoting a key). */
function holdDocumentOrFailure(text: string): HeldDocument | KeyCustodyError {
  try {
    return holdDocument(text);
  } catch (error) {
    if (error instanceof KeyCustodyError) return error;
    throw error;
  }
}

/**
 * The identity of the file behind `path` (symbolic links followed, as a mounted Secret's are): a
 * rewrite, an atomic replacement or a Secret update changes at least one of these.
 */
function fileIdentityOf(path: string): string {
  const stats = statSync(path, { bigint: true });
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

/**
 * Key custody from a JSON document (a mounted Secret file, or a value in tests). The file is read
 * again when it changes, so a rotation is a Secret update and no restart: its identity (inode, size,
 * modification and change times) is checked at most once per event-loop turn — the first `keys()` or
 * `sign()` of a turn; the others of that turn (a batch of confirmations) use what it found — so a
 * change is seen by the first call after the turn it was made in. Keys are parsed and imported into
 * OpenSSL once per reading; `keys()` returns the same frozen array until the file changes. Signs with
 * OpenSSL on the calling thread: one P-256 signature (≈ 25 µs) costs less than a hand-off to the
 * threadpool and back, unless many are in flight at once (docs/security.md, "Key custody").
 *
 * @example
 * ```ts
 * const custody = FileKeyCustody.fromFile('/var/run/secrets/settle/key-custody.json');
 * const custodyForTests = FileKeyCustody.fromDocument(createKeyCustodyDocument(['token-signing'], new Date()));
 * ```
 */
export class FileKeyCustody implements KeyCustody {
  /** What the file held at its last reading, or why it could not be used (thrown until it changes). */
  private held: HeldDocument | KeyCustodyError;
  private fileIdentity: string;
  /** Set by the turn's check, cleared when the turn ends (setImmediate). */
  private checkedThisTurn = false;

  private constructor(
    private readonly path: string | undefined,
    text: string,
    fileIdentity: string,
  ) {
    this.held = holdDocument(text);
    this.fileIdentity = fileIdentity;
  }

  static fromFile(path: string): FileKeyCustody {
    const identity = fileIdentityOf(path);
    return new FileKeyCustody(path, readFileSync(path, 'utf8'), identity);
  }

  static fromDocument(document: KeyCustodyDocument): FileKeyCustody {
    return new FileKeyCustody(undefined, JSON.stringify(document), '');
  }

  async keys(purpose: CustodyPurpose): Promise<readonly CustodyKey[]> {
    return this.current().publicByPurpose.get(purpose) ?? [];
  }

  async sign(purpose: CustodyPurpose, kid: string, data: Uint8Array): Promise<Uint8Array> {
    const key = this.current().byPurposeAndKid.get(heldKeyOf(purpose, kid));
    if (key === undefined)
      throw new KeyCustodyError('ERR_UNKNOWN_KEY', `no ${purpose} key ${kid} in custody`);
    return key.sign(data);
  }

  /** The document as the file holds it now (checked once per turn); throws if it is invalid. */
  private current(): HeldDocument {
    this.reloadIfChanged();
    if (this.held instanceof KeyCustodyError) throw this.held;
    return this.held;
  }

  /**
   * Reads the document again if the file changed since the last check. The identity is read before
   * the text, so a change racing with the read is seen at the next check, never missed. A file that
   * cannot be stat-ed or read is tried again at the next call; an invalid document is remembered
   * (and thrown) until the file changes again.
   */
  private reloadIfChanged(): void {
    if (this.path === undefined || this.checkedThisTurn) return;
    const identity = fileIdentityOf(this.path);
    if (identity !== this.fileIdentity) {
      const text = readFileSync(this.path, 'utf8');
      this.held = holdDocumentOrFailure(text);
      this.fileIdentity = identity;
    }
    this.checkedThisTurn = true;
    setImmediate(() => {
      this.checkedThisTurn = false;
    });
  }
}

/**
 * A new custody document with one fresh key per purpose, active from `activatesAt` (development,
 * tests and `npm run dev:keys`; production keys are made in the KMS or HSM).
 *
 * @example
 * ```ts
 * writeFileSync(path, JSON.stringify(createKeyCustodyDocument(['token-signing', 'credential-signing'], new Date())), { mode: 0o600 });
 * ```
 */
export function createKeyCustodyDocument(
  purposes: readonly CustodyPurpose[],
  activatesAt: Date,
): KeyCustodyDocument {
  return {
    keys: purposes.map((purpose) => ({
      purpose,
      privateJwk: generateKeyPair('ES256').privateJwk as Es256PrivateJwk,
      activatesAt: activatesAt.toISOString(),
    })),
  };
}
