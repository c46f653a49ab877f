/** Injection tokens the platform module provides to every module of a service. */

/** The pino `Logger` of the service. */
export const PLATFORM_LOGGER = 'settle.platform.LOGGER';
/** The loaded configuration (`ConfigValues` of the service's definition). */
export const SERVICE_CONFIG = 'settle.platform.SERVICE_CONFIG';
/** The service's name (`ledger`, …). */
export const SERVICE_NAME = 'settle.platform.SERVICE_NAME';
/** Bound on each readiness check, in milliseconds. */
export const READINESS_TIMEOUT_MS = 'settle.platform.READINESS_TIMEOUT_MS';
/** The service's `AdminListenerSeparation` when SETTLE_ADMIN_PORT is set; `null` otherwise. */
export const ADMIN_LISTENER = 'settle.platform.ADMIN_LISTENER';
