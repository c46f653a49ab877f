// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320; the one of zlib, PNG and Ethernet), written
// out because the link runs in browsers and on phones as well as in Node.

const table = new Uint32Array(256);
for (let byte = 0; byte < 256; byte++) {
  let value = byte;
  for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
  table[byte] = value >>> 0;
}

/**
 * The CRC-32 of `bytes` as an unsigned 32-bit integer (`crc32(ascii('123456789')) === 0xcbf43926`).
 *
 * @example
 * ```ts
 * crc32(new TextEncoder().encode('123456789')); // 0xcbf43926
 * ```
 */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
