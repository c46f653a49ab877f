import { base64Encode } from '../encoding/base64';
import { type JwkInput } from './jwk';
import { exportSpki } from './export-spki';

/** RFC 7468 §2: base64 lines of exactly 64 characters except the last. */
const pemLineLengthCharacters = 64;

/**
 * Exports a public JWK as a PEM `PUBLIC KEY` block (SubjectPublicKeyInfo, 64-character lines,
 * trailing newline), as OpenSSL writes it.
 *
 * @example
 * ```ts
 * import { exportPem } from '@settle/crypto';
 * exportPem(publicJwk); // '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYI…\n-----END PUBLIC KEY-----\n'
 * ```
 */
export function exportPem(jwk: JwkInput): string {
  const body = base64Encode(exportSpki(jwk));
  const lines: string[] = [];
  for (let offset = 0; offset < body.length; offset += pemLineLengthCharacters)
    lines.push(body.slice(offset, offset + pemLineLengthCharacters));
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}
