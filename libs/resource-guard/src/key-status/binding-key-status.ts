/**
 * Whether a binding key may be used now, answered from memory on every request. The default
 * implementation follows `registry.key-lifecycle.v1` ({@link BindingKeySnapshot}); a service with its
 * own view of keys (the registry) supplies its own. Unknown keys are not active: fail closed.
 *
 * @example
 * const status: BindingKeyStatus = { isActive: (keyId) => activeKeys.has(keyId) };
 */
export interface BindingKeyStatus {
  /**
   * Answered from memory on the hot path; a source may look a key it does not hold up once (the guard
   * asks only after the token and its proof of possession verified, so strangers cannot trigger it).
   */
  isActive(keyId: string): boolean | Promise<boolean>;
}

/** Injection token of the {@link BindingKeyStatus} the guard consults. */
export const BINDING_KEY_STATUS = Symbol.for('settle.resource-guard.BINDING_KEY_STATUS');

/**
 * A fixed set of active keys: tests, and tools that check tokens offline.
 *
 * @example
 * const status = new StaticBindingKeyStatus([bindingKey.keyId]);
 */
export class StaticBindingKeyStatus implements BindingKeyStatus {
  private readonly active: Set<string>;

  constructor(activeKeyIds: Iterable<string>) {
    this.active = new Set(activeKeyIds);
  }

  isActive(keyId: string): boolean {
    return this.active.has(keyId);
  }

  /** Test hook: change a key's state. */
  set(keyId: string, active: boolean): void {
    if (active) this.active.add(keyId);
    else this.active.delete(keyId);
  }
}
