/**
 * Stable codes of key-custody failures.
 *
 * @example
 * ```ts
 * if (isKeyCustodyError(error) && error.code === 'ERR_NO_SIGNING_KEY') alertOperators();
 * ```
 */
export type KeyCustodyErrorCode =
  'ERR_CUSTODY_DOCUMENT_INVALID' | 'ERR_NO_SIGNING_KEY' | 'ERR_UNKNOWN_KEY';

/**
 * Thrown by key custody; the message never contains key material.
 *
 * @example
 * ```ts
 * throw new KeyCustodyError('ERR_UNKNOWN_KEY', 'no token-signing key with this kid');
 * ```
 */
export class KeyCustodyError extends Error {
  override readonly name = 'KeyCustodyError';
  constructor(
    readonly code: KeyCustodyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Narrows an unknown error to a `KeyCustodyError`.
 *
 * @example
 * ```ts
 * if (isKeyCustodyError(error)) log.warn({ code: error.code }, 'custody refused');
 * ```
 */
export function isKeyCustodyError(error: unknown): error is KeyCustodyError {
  return error instanceof KeyCustodyError;
}
