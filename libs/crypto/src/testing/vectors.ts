// Test support only: loads the third-party vectors copied into libs/crypto/vectors (see its
// README for sources and licences). Not exported from the package entry.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const vectorsDirectory = join(__dirname, '..', '..', 'vectors');

/** Parses a JSON file under libs/crypto/vectors. */
export function readVectorFile<T>(relativePath: string): T {
  return JSON.parse(readFileSync(join(vectorsDirectory, relativePath), 'utf8')) as T;
}

/** One Wycheproof test case (schema `*_verify_schema_v1.json`). */
export interface WycheproofCase {
  readonly tcId: number;
  readonly comment: string;
  readonly flags: readonly string[];
  readonly msg: string;
  readonly sig: string;
  readonly result: 'valid' | 'invalid' | 'acceptable';
}

/** A Wycheproof ECDSA group: one public key, many cases. */
export interface WycheproofEcdsaGroup {
  readonly publicKey: { readonly uncompressed: string; readonly wx: string; readonly wy: string };
  readonly publicKeyJwk?: {
    readonly kty: string;
    readonly crv: string;
    readonly x: string;
    readonly y: string;
  };
  readonly publicKeyDer: string;
  readonly publicKeyPem: string;
  readonly tests: readonly WycheproofCase[];
}

/** A Wycheproof EdDSA group. */
export interface WycheproofEddsaGroup {
  readonly publicKey: { readonly pk: string };
  readonly publicKeyJwk: { readonly kty: string; readonly crv: string; readonly x: string };
  readonly publicKeyDer: string;
  readonly publicKeyPem: string;
  readonly tests: readonly WycheproofCase[];
}

/** A Wycheproof test file. */
export interface WycheproofFile<Group> {
  readonly algorithm: string;
  readonly numberOfTests: number;
  readonly testGroups: readonly Group[];
}

/** A Wycheproof coordinate (hex, possibly with a leading 00 sign byte) as a 32-byte base64url JWK member. */
export function wycheproofCoordinateToBase64Url(hex: string): string {
  const unsigned = hex.replace(/^(00)+/, '').padStart(64, '0');
  if (unsigned.length !== 64) throw new Error(`coordinate longer than 32 bytes: ${hex}`);
  // Buffer's codec, not the library's, so that the test does not check the code with itself.
  return Buffer.from(unsigned, 'hex').toString('base64url');
}

/** Hex to bytes with Buffer (independent of the library's codec). */
export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}
