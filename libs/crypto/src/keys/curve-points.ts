import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { assert } from '../errors';

// Point validation shared by both signature back ends, so that they accept and reject the same
// keys: OpenSSL checks a P-256 point when it is imported but not an Ed25519 one.

/** Bytes in a P-256 coordinate or scalar, and in an Ed25519 point or seed. */
export const fieldElementLengthBytes = 32;

/** Whether `uncompressedPoint` (04‖x‖y) is a point on P-256 other than infinity. */
export function isValidP256Point(uncompressedPoint: Uint8Array): boolean {
  assert(
    uncompressedPoint.length === 1 + 2 * fieldElementLengthBytes,
    'uncompressed P-256 point length',
  );
  try {
    p256.Point.fromBytes(uncompressedPoint);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `encodedPoint` is a canonical Ed25519 point encoding (y < p, RFC 8032 §5.1.3) of a point
 * that is not of small order. Small-order keys verify forged signatures on some messages under
 * permissive verifiers and are never produced by honest key generation, so both back ends refuse
 * them as keys.
 */
export function isValidEd25519Point(encodedPoint: Uint8Array): boolean {
  assert(encodedPoint.length === fieldElementLengthBytes, 'Ed25519 point length');
  try {
    return !ed25519.Point.fromBytes(encodedPoint, false).isSmallOrder();
  } catch {
    return false;
  }
}

/** Decompresses a compressed P-256 point (02/03‖x) to 04‖x‖y, or `undefined` if it is not on the curve. */
export function decompressP256Point(compressedPoint: Uint8Array): Uint8Array | undefined {
  assert(compressedPoint.length === 1 + fieldElementLengthBytes, 'compressed P-256 point length');
  try {
    const uncompressed = p256.Point.fromBytes(compressedPoint).toBytes(false);
    assert(uncompressed.length === 1 + 2 * fieldElementLengthBytes, 'decompressed point length');
    return uncompressed;
  } catch {
    return undefined;
  }
}

/** The uncompressed public point (04‖x‖y) of a P-256 scalar, or `undefined` if the scalar is not in 1..n-1. */
export function p256PublicPointOf(scalar: Uint8Array): Uint8Array | undefined {
  assert(scalar.length === fieldElementLengthBytes, 'P-256 scalar length');
  try {
    return p256.getPublicKey(scalar, false);
  } catch {
    return undefined;
  }
}

/** The encoded public point of an Ed25519 seed. */
export function ed25519PublicPointOf(seed: Uint8Array): Uint8Array {
  assert(seed.length === fieldElementLengthBytes, 'Ed25519 seed length');
  const publicPoint = ed25519.getPublicKey(seed);
  assert(publicPoint.length === fieldElementLengthBytes, 'Ed25519 public key length');
  return publicPoint;
}
