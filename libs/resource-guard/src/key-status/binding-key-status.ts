/**
 * Whether a binding key may be used now, and whose it is, answered from memory on every request. The
 * default implementation follows `registry.key-lifecycle.v1` ({@link BindingKeySnapshot}); a service
 * with its own view of keys (the registry) supplies its own. Unknown keys are not active and have no
 * owner: fail closed.
 *
 * @example
 * const status: BindingKeyStatus = { isActive: (keyId) => owners.has(keyId), ownerOf: (keyId) => owners.get(keyId) };
 */
export interface BindingKeyStatus {
  /**
   * Answered from memory on the hot path; a source may look a key it does not hold up once (the guard
   * asks only after the token and its proof of possession verified, so strangers cannot trigger it).
   */
  isActive(keyId: string): boolean | Promise<boolean>;
  /**
   * The device or terminal id an active key belongs to (asked after `isActive` answered true);
   * undefined when not known. The guard refuses a token whose `sub` is not its key's owner.
   */
  ownerOf(keyId: string): string | undefined;
}

/** Injection token of the {@link BindingKeyStatus} the guard consults. */
export const BINDING_KEY_STATUS = Symbol.for('settle.resource-guard.BINDING_KEY_STATUS');

/**
 * A fixed set of active keys and their owners: tests, and tools that check tokens offline.
 *
 * @example
 * const status = new StaticBindingKeyStatus([[bindingKey.keyId, 'dev_test_device']]);
 */
export class StaticBindingKeyStatus implements BindingKeyStatus {
  /** Active key id → its device or terminal id. */
  private readonly active: Map<string, string>;

  constructor(activeKeys: Iterable<readonly [keyId: string, ownerId: string]>) {
    this.active = new Map(activeKeys);
  }

  isActive(keyId: string): boolean {
    return this.active.has(keyId);
  }

  ownerOf(keyId: string): string | undefined {
    return this.active.get(keyId);
  }

  /** Test hook: activate a key for its owner (`ownerId`), or deactivate it (null). */
  set(keyId: string, ownerId: string | null): void {
    if (ownerId === null) this.active.delete(keyId);
    else this.active.set(keyId, ownerId);
  }
}
