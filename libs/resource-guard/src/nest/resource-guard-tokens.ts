/** Injection token of the checked {@link ResourceGuardSettings}. */
export const RESOURCE_GUARD_SETTINGS = Symbol.for('settle.resource-guard.SETTINGS');
/** Route metadata: the roles a route accepts (empty: any authenticated principal). */
export const REQUIRED_ROLES_METADATA = 'settle.resource-guard.REQUIRED_ROLES';
/** Where the guard leaves the principal on the request. */
export const principalProperty = Symbol.for('settle.resource-guard.PRINCIPAL');
