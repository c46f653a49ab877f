import {
  type EventEnvelope,
  type KeyLifecycleChangedV1,
  type KeyState,
  keyLifecycleChangedV1,
} from '@settle/contracts';
import { newEvent, requestCause } from '@settle/messaging';
import { type TestBindingKey } from './test-token-issuer';

/**
 * A valid `key.lifecycle-changed` v1 event for a binding key: pending, then each of `states` in turn,
 * one minute apart from `startedAt` (the event occurs when the last state begins).
 *
 * @example
 * await tap.publish(keyLifecycleEvent(deviceKey, ['active', 'revoked']));
 */
export function keyLifecycleEvent(
  bindingKey: TestBindingKey,
  states: readonly KeyState[],
  options: { startedAt?: Date; ownerId?: string } = {},
): EventEnvelope<'key.lifecycle-changed', KeyLifecycleChangedV1> {
  const startedMs = (options.startedAt ?? new Date('2026-11-28T10:00:00.000Z')).getTime();
  const all: KeyState[] = ['pending', ...states];
  const at = (index: number) => new Date(startedMs + index * 60_000).toISOString();
  const history = all.map((state, index) => ({
    state,
    reason:
      state === 'revoked'
        ? ('compromised' as const)
        : state === 'suspended'
          ? ('operator-action' as const)
          : null,
    validFrom: at(index),
    validTo: index === all.length - 1 ? null : at(index + 1),
  }));
  return newEvent(
    keyLifecycleChangedV1,
    {
      keyId: bindingKey.keyId,
      owner: { kind: 'device', id: options.ownerId ?? 'dev_test_device' },
      purpose: 'binding',
      algorithm: 'ES256',
      publicKeyJwk: {
        kty: 'EC',
        crv: 'P-256',
        x: bindingKey.publicJwk.x,
        y: bindingKey.publicJwk.y,
      },
      state: all[all.length - 1]!,
      history,
    },
    requestCause(null, at(all.length - 1)),
    'registry',
  );
}
