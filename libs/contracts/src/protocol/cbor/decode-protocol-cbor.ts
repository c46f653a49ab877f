import { CryptoError, decodeCborStrict } from '@settle/crypto';
import { ProtocolError } from '../errors';
import { decodeCborFast, fastDecodeDeclined } from './decode-cbor-fast';

/**
 * Decodes one data item of strict deterministic CBOR: the fast path when it applies, else
 * `decodeCborStrict`, which rejects everything outside the profile. Throws a `ProtocolError`
 * `CBOR_INVALID` (the `CryptoError` with the CBOR code as its cause), naming `field`.
 */
export function decodeProtocolCbor(bytes: Uint8Array, field: string): unknown {
  const fast = decodeCborFast(bytes);
  if (fast !== fastDecodeDeclined) return fast;
  try {
    return decodeCborStrict(bytes);
  } catch (error) {
    if (!(error instanceof CryptoError)) throw error;
    throw new ProtocolError(
      'CBOR_INVALID',
      field,
      `${field || 'the structure'} is not strict deterministic CBOR: ${error.code}`,
      { cause: error },
    );
  }
}
