// TEST-ONLY REFERENCE (see index.ts): not production code; the production COSE_Sign1 is
// libs/protocol/src/cose.ts.
import { Tag } from 'cbor2';
import { decodeCborStrict } from '../../cbor/decode-cbor-strict';
import { isBytes } from '../../encoding/bytes';
import { CryptoError } from '../../errors';
import {
  type CoseHeaderLabel,
  type CoseHeaderMap,
  coseHeaderLabels,
  coseSign1Tag,
  coseMessageSizeMaxBytes,
} from './reference-constants';

/** A COSE_Sign1 message checked for structure, before any signature check. */
export interface ParsedCoseSign1 {
  /** The protected header exactly as received: what the signature covers. */
  readonly protectedHeaderBytes: Uint8Array;
  readonly protectedHeader: CoseHeaderMap;
  readonly unprotectedHeader: CoseHeaderMap;
  /** The value of `alg` (label 1), always taken from the protected header. */
  readonly algorithmId: unknown;
  /** `kid` (label 4) from the protected header, else the unprotected one. */
  readonly keyId: Uint8Array | undefined;
  /** `null` when the payload is detached. */
  readonly payload: Uint8Array | null;
  readonly signature: Uint8Array;
}

function malformed(message: string, cause?: unknown): CryptoError {
  return new CryptoError(
    'ERR_COSE_MALFORMED',
    message,
    cause === undefined ? undefined : { cause },
  );
}

function decodeStrictly(bytes: Uint8Array, what: string): unknown {
  try {
    return decodeCborStrict(bytes);
  } catch (error) {
    throw malformed(`${what} is not strict deterministic CBOR`, error);
  }
}

function checkHeaderMap(value: unknown, what: string): CoseHeaderMap {
  if (!(value instanceof Map)) throw malformed(`${what} is not a map`);
  for (const label of value.keys()) {
    if (!(typeof label === 'string' || Number.isSafeInteger(label)))
      throw malformed(`${what} has a label that is neither an integer nor text`);
  }
  return value as Map<CoseHeaderLabel, unknown>;
}

function decodeProtectedHeader(bytes: Uint8Array): CoseHeaderMap {
  // RFC 9052 §3: an empty protected header is the empty byte string.
  if (bytes.length === 0) return new Map();
  return checkHeaderMap(decodeStrictly(bytes, 'the protected header'), 'the protected header');
}

function checkHeaders(protectedHeader: CoseHeaderMap, unprotectedHeader: CoseHeaderMap): void {
  for (const label of unprotectedHeader.keys()) {
    if (protectedHeader.has(label))
      throw malformed(`header label ${String(label)} is both protected and unprotected`);
  }
  // `crit` lists extensions the recipient must understand; this implementation understands none.
  if (protectedHeader.has(coseHeaderLabels.crit) || unprotectedHeader.has(coseHeaderLabels.crit))
    throw malformed('crit is not supported');
  if (!protectedHeader.has(coseHeaderLabels.alg))
    throw malformed('the protected header must carry alg');
}

function keyIdOf(
  protectedHeader: CoseHeaderMap,
  unprotectedHeader: CoseHeaderMap,
): Uint8Array | undefined {
  const keyId =
    protectedHeader.get(coseHeaderLabels.kid) ?? unprotectedHeader.get(coseHeaderLabels.kid);
  if (keyId !== undefined && !isBytes(keyId)) throw malformed('kid must be a byte string');
  return keyId;
}

/**
 * Checks that `message` is a COSE_Sign1 or COSE_Sign1_Tagged (RFC 9052 §4.2) in strict
 * deterministic CBOR and returns its parts. Throws `ERR_COSE_MESSAGE_TOO_LARGE` or
 * `ERR_COSE_MALFORMED` (the CBOR detail, if any, in `cause`). Verifies nothing.
 */
export function parseCoseSign1(
  message: Uint8Array,
  messageSizeMaxBytes: number = coseMessageSizeMaxBytes,
): ParsedCoseSign1 {
  if (!isBytes(message))
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'a COSE message must be a Uint8Array');
  if (message.length > messageSizeMaxBytes) {
    throw new CryptoError(
      'ERR_COSE_MESSAGE_TOO_LARGE',
      `COSE message is ${message.length} bytes, more than ${messageSizeMaxBytes}`,
    );
  }
  let structure = decodeStrictly(message, 'the COSE message');
  if (structure instanceof Tag) {
    if (Number(structure.tag) !== coseSign1Tag)
      throw malformed(`tag ${String(structure.tag)} is not COSE_Sign1 (${coseSign1Tag})`);
    structure = structure.contents;
  }
  if (!Array.isArray(structure) || structure.length !== 4)
    throw malformed('COSE_Sign1 is an array of four items');
  const [protectedHeaderBytes, unprotectedValue, payload, signature] = structure as unknown[];
  if (!isBytes(protectedHeaderBytes)) throw malformed('the protected header must be a byte string');
  if (!(payload === null || isBytes(payload)))
    throw malformed('the payload must be a byte string or nil');
  if (!isBytes(signature)) throw malformed('the signature must be a byte string');
  const protectedHeader = decodeProtectedHeader(protectedHeaderBytes);
  const unprotectedHeader = checkHeaderMap(unprotectedValue, 'the unprotected header');
  checkHeaders(protectedHeader, unprotectedHeader);
  return {
    protectedHeaderBytes,
    protectedHeader,
    unprotectedHeader,
    algorithmId: protectedHeader.get(coseHeaderLabels.alg),
    keyId: keyIdOf(protectedHeader, unprotectedHeader),
    payload,
    signature,
  };
}
