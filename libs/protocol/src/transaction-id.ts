import { base64UrlEncode, sha256Concat } from '@settle/crypto';
import { protocolAssert } from './errors';
import { protocolLabels } from './labels';
import { sha256LengthBytes } from './limits';

// transactionId = SHA-256 of the deterministic CBOR array
//   ["settle/transaction-id/v1", h'<payment request bytes>', h'<authorization protected header bytes>']
// i.e. of exactly what the consumer signed, minus the signature. Both ECDSA signatures (s and n − s)
// of one authorization verify, and anyone can compute the twin: were the signature hashed, one
// payment could be uploaded as two transactions. The CBOR framing keeps the parts unambiguous.

/** The CBOR head of a byte string (major type 2) or text string (3) of `length` bytes, shortest form. */
function stringHead(majorType: 2 | 3, length: number): number[] {
  protocolAssert(
    Number.isSafeInteger(length) && length >= 0 && length <= 0xffff,
    'parts are at most 65535 bytes',
  );
  const major = majorType << 5;
  if (length < 24) return [major | length];
  if (length <= 0xff) return [major | 24, length];
  return [major | 25, length >> 8, length & 0xff];
}

/** 0x83 (array of 3), then the label as a text string. */
const labelBytes = new TextEncoder().encode(protocolLabels.transactionId);
const inputPrefix = Uint8Array.from([0x83, ...stringHead(3, labelBytes.length), ...labelBytes]);

/**
 * The deterministic CBOR array the transaction id hashes (see docs/protocol.md). Exposed for the
 * test that holds it equal to the general encoder.
 */
export function transactionIdInput(
  requestBytes: Uint8Array,
  authorizationProtectedHeaderBytes: Uint8Array,
): Uint8Array {
  const requestHead = stringHead(2, requestBytes.length);
  const protectedHead = stringHead(2, authorizationProtectedHeaderBytes.length);
  const input = new Uint8Array(
    inputPrefix.length +
      requestHead.length +
      requestBytes.length +
      protectedHead.length +
      authorizationProtectedHeaderBytes.length,
  );
  input.set(inputPrefix, 0);
  let offset = inputPrefix.length;
  for (const [head, part] of [
    [requestHead, requestBytes],
    [protectedHead, authorizationProtectedHeaderBytes],
  ] as const) {
    input.set(head, offset);
    offset += head.length;
    input.set(part, offset);
    offset += part.length;
  }
  protocolAssert(offset === input.length, 'the input is filled exactly');
  return input;
}

/**
 * The transaction id (32 bytes): SHA-256 over the payment request bytes and the consumer
 * authorization's protected header bytes (key id, device counter, time) — the signed content, never
 * the signature, so a second (malleated) signature of the same authorization cannot make a second
 * transaction.
 *
 * @example
 * ```ts
 * import { calculateTransactionId } from '@settle/protocol';
 * const id = calculateTransactionId(requestBytes, authorization.protectedHeaderBytes);
 * ```
 */
export function calculateTransactionId(
  requestBytes: Uint8Array,
  authorizationProtectedHeaderBytes: Uint8Array,
): Uint8Array {
  // Incremental hashing of the same bytes as transactionIdInput (a test holds them equal), without
  // building the concatenation: this is on the verifier's path.
  const id = sha256Concat([
    inputPrefix,
    Uint8Array.from(stringHead(2, requestBytes.length)),
    requestBytes,
    Uint8Array.from(stringHead(2, authorizationProtectedHeaderBytes.length)),
    authorizationProtectedHeaderBytes,
  ]);
  protocolAssert(id.length === sha256LengthBytes, 'a transaction id is 32 bytes');
  return id;
}

/**
 * The transaction id as text, as events carry it: `txn_` + unpadded base64url (47 characters, within
 * the events' identifier alphabet and length).
 *
 * @example
 * ```ts
 * import { formatTransactionId } from '@settle/protocol';
 * formatTransactionId(id); // 'txn_Qm7Zk2…' (47 characters)
 * ```
 */
export function formatTransactionId(transactionId: Uint8Array): string {
  protocolAssert(transactionId.length === sha256LengthBytes, 'a transaction id is 32 bytes');
  return `txn_${base64UrlEncode(transactionId)}`;
}
