import {
  type Clock,
  rateLimitedProblem,
  type RateLimitSql,
  takeRateLimitTokens,
} from '@settle/platform';
import { type RegistrySettings } from '../config';

const secondsPerMinute = 60;

/** The two routes that sign a credential for the calling device or terminal. */
export type DeviceCredentialRoute = 'check-in' | 'terminal-credential';

const refusalOf: Readonly<Record<DeviceCredentialRoute, { title: string; field: string }>> = {
  'check-in': { title: 'Too many check-ins', field: 'deviceId' },
  'terminal-credential': { title: 'Too many terminal credentials', field: 'terminalId' },
};

/**
 * Takes a token from the caller's bucket (the platform's PostgreSQL token bucket, shared by every
 * replica) or throws the 429 with Retry-After. Each call that passes signs through custody, stores a
 * row and publishes an event, so a device looping on it must not cost more than its owner's limit.
 * Called only once the caller is known to be `subject` (bucket names are those of enrolled devices
 * and terminals, never of whatever an attacker puts in a path).
 */
export async function takeDeviceCredentialToken(
  sql: RateLimitSql,
  clock: Clock,
  config: Pick<
    RegistrySettings,
    'SETTLE_REGISTRY_DEVICE_CREDENTIALS_PER_MINUTE' | 'SETTLE_REGISTRY_DEVICE_CREDENTIAL_BURST'
  >,
  route: DeviceCredentialRoute,
  subject: string,
): Promise<void> {
  const perMinute = config.SETTLE_REGISTRY_DEVICE_CREDENTIALS_PER_MINUTE;
  const burst = config.SETTLE_REGISTRY_DEVICE_CREDENTIAL_BURST;
  const [decision] = await takeRateLimitTokens(
    sql,
    [{ bucket: `${route}:${subject}`, capacity: burst, perSecond: perMinute / secondsPerMinute }],
    clock.now(),
  );
  if (decision === undefined)
    throw new Error('takeDeviceCredentialToken: no decision for the bucket');
  if (decision.allowed) return;
  throw rateLimitedProblem({
    ...refusalOf[route],
    limit: `more than ${perMinute} per minute (SETTLE_REGISTRY_DEVICE_CREDENTIALS_PER_MINUTE) after a burst of ${burst} (SETTLE_REGISTRY_DEVICE_CREDENTIAL_BURST)`,
    retryAfterSeconds: decision.retryAfterSeconds,
  });
}
