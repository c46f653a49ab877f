import { type AttestationReasonCode } from '../reason-codes';

/**
 * A rejected verification: the stable code and a sentence for logs and operators (never parsed).
 *
 * @example
 * ```ts
 * const rejection: AttestationRejection = { ok: false, reasonCode: 'ROOT_NOT_TRUSTED', detail: 'no pinned root' };
 * ```
 */
export interface AttestationRejection {
  readonly ok: false;
  readonly reasonCode: AttestationReasonCode;
  readonly detail: string;
}

/** A step that either produced a value or rejected the evidence. */
export type Checked<T> = { readonly ok: true; readonly value: T } | AttestationRejection;

/** Builds a rejection. */
export function reject(reasonCode: AttestationReasonCode, detail: string): AttestationRejection {
  return Object.freeze({ ok: false, reasonCode, detail });
}

/** Wraps a step's value. */
export function passed<T>(value: T): Checked<T> {
  return { ok: true, value };
}
