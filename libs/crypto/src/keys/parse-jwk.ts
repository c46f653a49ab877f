import { type SignatureAlgorithm } from '../algorithms';
import { base64UrlDecode } from '../encoding/base64';
import { concatBytes, equalBytes } from '../encoding/bytes';
import { CryptoError, assert } from '../errors';
import {
  ed25519PublicPointOf,
  fieldElementLengthBytes,
  isValidEd25519Point,
  isValidP256Point,
  p256PublicPointOf,
} from './curve-points';
import { type JwkInput, type PrivateJwk, type PublicJwk } from './jwk';

// The one place JWKs are checked. Two levels, because the verification hot path runs on every
// request with a key it has usually seen before:
//  - `checkJwkShape` reads a few members (types, kty/crv, no private member where none belongs,
//    consistent optional members) and returns a string that identifies the key. Cheap.
//  - `parsePublicJwk` / `parsePrivateJwk` also decode the members strictly and check the point is
//    on the curve (and, for a private key, that the public members match it). Run once per key and
//    cached by the back ends under the string from `checkJwkShape`.

/** Whether a JWK must, must not, or may carry the private member `d`. */
type JwkKind = 'public' | 'private' | 'either';

/** What `checkJwkShape` learns from a JWK without decoding it. */
export interface JwkShape {
  readonly alg: SignatureAlgorithm;
  /** `kty:crv:x:y`; identifies the public key (both coordinates are canonical once parsed). */
  readonly cacheKey: string;
  readonly hasPrivateMember: boolean;
}

/** A public key checked in full. */
export interface ParsedPublicKey {
  readonly alg: SignatureAlgorithm;
  /** The JWK reduced to the members that define the key, frozen. */
  readonly jwk: PublicJwk;
  /** 04‖x‖y for ES256 (65 bytes), the encoded point for EdDSA (32 bytes). */
  readonly publicKeyBytes: Uint8Array;
}

/** A private key checked in full, with its public half. */
export interface ParsedPrivateKey extends ParsedPublicKey {
  readonly privateJwk: PrivateJwk;
  /** The P-256 scalar or the Ed25519 seed (32 bytes). */
  readonly privateKeyBytes: Uint8Array;
}

function invalid(message: string): CryptoError {
  return new CryptoError('ERR_JWK_INVALID', message);
}

const algorithmMembersAccepted: Readonly<Record<SignatureAlgorithm, readonly string[]>> = {
  ES256: ['ES256'],
  // RFC 9864 deprecates the polymorphic "EdDSA" in favour of "Ed25519"; a JWK may carry either.
  EdDSA: ['EdDSA', 'Ed25519'],
};

function algorithmOfKeyType(jwk: JwkInput): SignatureAlgorithm {
  if (jwk['kty'] === 'EC' && jwk['crv'] === 'P-256') return 'ES256';
  if (jwk['kty'] === 'OKP' && jwk['crv'] === 'Ed25519') return 'EdDSA';
  throw invalid(
    `unsupported key type: kty ${String(jwk['kty'])}, crv ${String(jwk['crv'])} (P-256 and Ed25519 only)`,
  );
}

function checkOptionalMembers(
  jwk: JwkInput,
  alg: SignatureAlgorithm,
  hasPrivateMember: boolean,
): void {
  const algMember = jwk['alg'];
  if (algMember !== undefined && !algorithmMembersAccepted[alg].includes(algMember as string)) {
    throw invalid(`JWK alg ${String(algMember)} does not match its key type (${alg})`);
  }
  const use = jwk['use'];
  if (use !== undefined && use !== 'sig')
    throw invalid(`JWK use must be "sig", got ${String(use)}`);
  const keyOperations = jwk['key_ops'];
  if (keyOperations !== undefined) {
    const operationNeeded = hasPrivateMember ? 'sign' : 'verify';
    if (!Array.isArray(keyOperations) || !keyOperations.includes(operationNeeded)) {
      throw invalid(`JWK key_ops must include "${operationNeeded}"`);
    }
  }
}

/**
 * Checks a JWK's members without decoding them: `ERR_JWK_INVALID` unless it is an object with
 * kty/crv of a supported type matching `expectedAlg` (when given), string coordinates, a private
 * member only when `kind` allows it, and `alg`/`use`/`key_ops` (when present) consistent with it.
 */
export function checkJwkShape(
  input: unknown,
  expectedAlg: SignatureAlgorithm | undefined,
  kind: JwkKind,
): JwkShape {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw invalid('a JWK must be a JSON object');
  const jwk = input as JwkInput;
  const alg = algorithmOfKeyType(jwk);
  if (expectedAlg !== undefined && alg !== expectedAlg)
    throw invalid(`JWK is an ${alg} key, not an ${expectedAlg} key`);
  const { x, y } = jwk;
  if (typeof x !== 'string') throw invalid('JWK member x must be a string');
  if (alg === 'ES256' && typeof y !== 'string') throw invalid('JWK member y must be a string');
  if (alg === 'EdDSA' && y !== undefined) throw invalid('an OKP JWK has no member y');
  const hasPrivateMember = 'd' in jwk;
  if (kind === 'public' && hasPrivateMember)
    throw invalid('a public JWK must not contain the private member d');
  if (kind === 'private' && typeof jwk['d'] !== 'string')
    throw invalid('a private JWK needs the string member d');
  if (hasPrivateMember && typeof jwk['d'] !== 'string')
    throw invalid('JWK member d must be a string');
  checkOptionalMembers(jwk, alg, hasPrivateMember);
  const cacheKey = alg === 'ES256' ? `EC:P-256:${x}:${y as string}` : `OKP:Ed25519:${x}`;
  return { alg, cacheKey, hasPrivateMember };
}

function decodeFieldElement(jwk: JwkInput, member: 'x' | 'y' | 'd'): Uint8Array {
  const decoded = base64UrlDecode(jwk[member] as string);
  if (decoded === undefined)
    throw invalid(`JWK member ${member} is not canonical unpadded base64url`);
  if (decoded.length !== fieldElementLengthBytes) {
    throw invalid(
      `JWK member ${member} must encode exactly ${fieldElementLengthBytes} bytes, got ${decoded.length}`,
    );
  }
  return decoded;
}

function parsePublicMembers(jwk: JwkInput, alg: SignatureAlgorithm): ParsedPublicKey {
  const x = decodeFieldElement(jwk, 'x');
  if (alg === 'ES256') {
    const publicKeyBytes = concatBytes(new Uint8Array([0x04]), x, decodeFieldElement(jwk, 'y'));
    if (!isValidP256Point(publicKeyBytes)) throw invalid('JWK x, y is not a point on P-256');
    const normalized: PublicJwk = {
      kty: 'EC',
      crv: 'P-256',
      x: jwk['x'] as string,
      y: jwk['y'] as string,
    };
    return { alg, jwk: Object.freeze(normalized), publicKeyBytes };
  }
  if (!isValidEd25519Point(x))
    throw invalid('JWK x is not a canonical Ed25519 point of large order');
  const normalized: PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: jwk['x'] as string };
  return { alg, jwk: Object.freeze(normalized), publicKeyBytes: x };
}

/**
 * Checks a public JWK in full (shape, canonical encodings, 32-byte members, point on the curve and,
 * for Ed25519, not of small order) and reduces it to its defining members. `kind` `'either'` takes
 * the public half of a private JWK without checking `d` (for thumbprints).
 */
export function parsePublicJwk(
  input: unknown,
  expectedAlg?: SignatureAlgorithm,
  kind: 'public' | 'either' = 'public',
): ParsedPublicKey {
  const { alg } = checkJwkShape(input, expectedAlg, kind);
  const parsed = parsePublicMembers(input as JwkInput, alg);
  assert(parsed.publicKeyBytes.length === (alg === 'ES256' ? 65 : 32), 'public key length');
  return parsed;
}

/**
 * Checks a private JWK in full: the public members as in {@link parsePublicJwk}, `d` a valid
 * scalar/seed, and the public members those of `d` (a mismatched pair would sign unverifiably).
 */
export function parsePrivateJwk(
  input: unknown,
  expectedAlg?: SignatureAlgorithm,
): ParsedPrivateKey {
  const { alg } = checkJwkShape(input, expectedAlg, 'private');
  const jwk = input as JwkInput;
  const publicKey = parsePublicMembers(jwk, alg);
  const privateKeyBytes = decodeFieldElement(jwk, 'd');
  const derivedPublicKeyBytes =
    alg === 'ES256' ? p256PublicPointOf(privateKeyBytes) : ed25519PublicPointOf(privateKeyBytes);
  if (derivedPublicKeyBytes === undefined)
    throw invalid('JWK member d is not a valid P-256 scalar');
  if (!equalBytes(derivedPublicKeyBytes, publicKey.publicKeyBytes))
    throw invalid('JWK public members do not match d');
  const privateJwk = Object.freeze({ ...publicKey.jwk, d: jwk['d'] as string }) as PrivateJwk;
  return { ...publicKey, privateJwk, privateKeyBytes };
}
