import { concatBytes } from '@settle/crypto/encoding/bytes';
import { coseSign1SignatureContext } from './cose-constants';
import { protocolAssert } from './errors';

// The Sig_structure of the protocol's COSE_Sign1 (cose.ts). It is a fixed shape, so it is written
// here directly rather than through the general encoder, which costs several times more per call
// on the verification hot path. A property test checks that the bytes equal
// `encodeCborDeterministic` of the same array.

const contextBytes = new TextEncoder().encode(coseSign1SignatureContext);
protocolAssert(contextBytes.length < 24, 'the context string length fits in the initial byte');

/** 0x84 (array of 4), then "Signature1" as a text string (0x6a + 10 bytes). */
const sign1SigStructurePrefix = new Uint8Array([0x84, 0x60 | contextBytes.length, ...contextBytes]);

/** Largest byte string length this encoder writes (4-byte argument); COSE messages are far smaller. */
const byteStringLengthMaxBytes = 0xffffffff;

/** The CBOR head of a byte string of `length` bytes, in its shortest form (RFC 8949 §4.2.1). */
function byteStringHead(length: number): Uint8Array {
  protocolAssert(
    Number.isSafeInteger(length) && length >= 0 && length <= byteStringLengthMaxBytes,
    'byte string length in range',
  );
  if (length < 24) return new Uint8Array([0x40 | length]);
  if (length <= 0xff) return new Uint8Array([0x58, length]);
  if (length <= 0xffff) return new Uint8Array([0x59, length >> 8, length & 0xff]);
  return new Uint8Array([
    0x5a,
    length >>> 24,
    (length >> 16) & 0xff,
    (length >> 8) & 0xff,
    length & 0xff,
  ]);
}

/**
 * The bytes a COSE_Sign1 signature covers (RFC 9052 §4.4), in deterministic CBOR:
 * `["Signature1", body_protected, external_aad, payload]`, with `body_protected` the protected
 * header bytes exactly as they appear in the message (never re-encoded) and `payload` the attached
 * or detached payload bytes.
 */
export function encodeSign1SigStructure(
  protectedHeaderBytes: Uint8Array,
  externalAad: Uint8Array,
  payload: Uint8Array,
): Uint8Array {
  const encoded = concatBytes(
    sign1SigStructurePrefix,
    byteStringHead(protectedHeaderBytes.length),
    protectedHeaderBytes,
    byteStringHead(externalAad.length),
    externalAad,
    byteStringHead(payload.length),
    payload,
  );
  protocolAssert(
    encoded.length > protectedHeaderBytes.length + externalAad.length + payload.length,
    'Sig_structure contains its parts',
  );
  return encoded;
}
