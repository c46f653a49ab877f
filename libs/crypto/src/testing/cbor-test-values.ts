// Test values the CBOR codecs' specs share: the integers where CBOR's head changes size, and
// RFC 8949 §4.2.1's example of deterministic key order.

/** Where the encoding of an integer's head changes length (1, 2, 3, 5, 9 bytes), both signs. */
export const cborIntegerBoundaries = [
  23,
  24,
  255,
  256,
  65535,
  65536,
  2 ** 32 - 1,
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
] as const;

/** RFC 8949 §4.2.1: map entries in some order, and the map's bytes with keys sorted bytewise. */
export const rfc8949KeyOrderExample = {
  entries: [
    [false, 7],
    [[-1], 6],
    ['aa', 4],
    [100, 1],
    ['z', 3],
    [-1, 2],
    [[100], 5],
    [10, 0],
  ] as Array<[unknown, number]>,
  expectedHex:
    'a8' + '0a00' + '186401' + '2002' + '617a03' + '62616104' + '81186405' + '812006' + 'f407',
};
