import { assert } from './assert';
import { type EventEnvelope } from './envelope';
import { type EventDefinition } from './event-definition';

/**
 * Turns a payload of version N of a type into a payload of version N + 1. Old versions are frozen
 * and read forever (payment topics are never deleted), so consumers only ever handle the latest
 * shape: `decodeEvent` applies the chain N → N+1 → … → latest at the boundary.
 */
export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  upcast(payload: unknown, envelope: EventEnvelope): unknown;
}

/**
 * Declares the upcaster between two consecutive versions of one type. The upcast function must be
 * pure and total over valid `from` payloads, and must keep the key; `decodeEvent` validates its
 * result against the `to` schema and crashes (a programmer error) if it does not.
 *
 * @example
 * export const paymentVerifiedV1ToV2 = defineUpcaster(paymentVerifiedV1, paymentVerifiedV2, (v1) => ({
 *   ...v1, feeInputs: { ...v1.feeInputs, cardPresent: false },
 * }));
 */
export function defineUpcaster<TType extends string, TFrom, TTo>(
  from: EventDefinition<TType, TFrom>,
  to: EventDefinition<TType, TTo>,
  upcast: (payload: TFrom, envelope: EventEnvelope<TType, TFrom>) => TTo,
): Upcaster {
  assert(from.type === to.type, `an upcaster cannot change the type (${from.type} → ${to.type})`);
  assert(to.version === from.version + 1, `${from.type}: upcasters go one version at a time`);
  return {
    type: from.type,
    fromVersion: from.version,
    upcast: (payload, envelope) =>
      upcast(payload as TFrom, envelope as EventEnvelope<TType, TFrom>),
  };
}
