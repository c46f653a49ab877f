/**
 * Stable codes of device-session failures. `retriable` says whether trying again can help.
 *
 * @example
 * ```ts
 * if (isDeviceSessionError(error) && error.code === 'ERR_SESSION_REFUSED') await session.start();
 * ```
 */
export type DeviceSessionErrorCode =
  | 'ERR_CONNECTION_FAILED'
  | 'ERR_TLS_VERSION'
  | 'ERR_SESSION_REFUSED'
  | 'ERR_RESPONSE_INVALID'
  | 'ERR_NO_SESSION'
  | 'ERR_REQUEST_REFUSED';

/**
 * Thrown by the device session; `status` and `problemCode` carry the server's answer when there was one,
 * `retryAfterMs` its `Retry-After` (a 429 or 503).
 *
 * @example
 * ```ts
 * throw new DeviceSessionError('ERR_NO_SESSION', 'start() first', { retriable: false });
 * ```
 */
export class DeviceSessionError extends Error {
  override readonly name = 'DeviceSessionError';
  readonly retriable: boolean;
  readonly status?: number;
  readonly problemCode?: string;
  readonly retryAfterMs?: number;

  constructor(
    readonly code: DeviceSessionErrorCode,
    message: string,
    options: {
      readonly retriable: boolean;
      readonly status?: number;
      readonly problemCode?: string;
      readonly retryAfterMs?: number;
      readonly cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.retriable = options.retriable;
    if (options.status !== undefined) this.status = options.status;
    if (options.problemCode !== undefined) this.problemCode = options.problemCode;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * Narrows an unknown error to a `DeviceSessionError`.
 *
 * @example
 * ```ts
 * if (isDeviceSessionError(error) && error.retriable) retryLater();
 * ```
 */
export function isDeviceSessionError(error: unknown): error is DeviceSessionError {
  return error instanceof DeviceSessionError;
}
