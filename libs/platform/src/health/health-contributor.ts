/**
 * A part of the service that reports its health on `GET /health/ready`.
 *
 * Register one (or an array) under the {@link HEALTH_CONTRIBUTORS} token in any module; the health
 * endpoint collects them from every module (see that token).
 */
export interface HealthContributor {
  /** Unique within the service: `database`, `kafka`, `outbox-relay`. */
  readonly name: string;
  /** True: a `down` result takes the service out of the load balancer (503). */
  readonly affectsReadiness: boolean;
  /** Bounded by SETTLE_READINESS_TIMEOUT_MS; a throw or a timeout counts as `down`. */
  check(): Promise<HealthCheckResult>;
}

export type HealthStatus = 'up' | 'down' | 'degraded';

export interface HealthCheckResult {
  readonly status: HealthStatus;
  /** Shown verbatim in the readiness body (no secrets, no connection strings). */
  readonly details?: Record<string, unknown>;
}

/**
 * Multi-provider token for health contributors. Nest has no `multi: true`, so the health endpoint
 * collects *every* provider registered under this token in *any* module of the application (each
 * module's own provider, through Nest's DiscoveryService) — one provider per module, whose value is
 * a contributor or an array of contributors.
 *
 * @example
 * // in the messaging module
 * providers: [
 *   KafkaConnection,
 *   { provide: HEALTH_CONTRIBUTORS, useFactory: (kafka: KafkaConnection): HealthContributor => ({
 *       name: 'kafka', affectsReadiness: false, check: () => kafka.health() }), inject: [KafkaConnection] },
 * ]
 */
export const HEALTH_CONTRIBUTORS = 'settle.platform.HEALTH_CONTRIBUTORS';

export function isHealthContributor(value: unknown): value is HealthContributor {
  const candidate = value as Partial<HealthContributor> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.name === 'string' &&
    typeof candidate.affectsReadiness === 'boolean' &&
    typeof candidate.check === 'function'
  );
}
