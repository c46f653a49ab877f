/**
 * The services of the system: the one list of them. Events name their producer from it, topics their
 * writer, the platform's configuration its defaults (`SETTLE_HTTP_PORT`, the database name), the
 * Kafka users and ACLs one user per service. `scripts/lib/services.mjs` repeats it for the plain-Node
 * scripts, and test/architecture/service-list.spec.ts fails when the two differ.
 *
 * Here, in the contracts, because every library may import this one (it is tagged domain) and the
 * service names are part of the events' contract (`producer`).
 */
export const serviceNames = ['registry', 'verifier', 'ledger', 'token-issuer'] as const;
export type ServiceName = (typeof serviceNames)[number];

/** Each service's HTTP port when `SETTLE_HTTP_PORT` is unset: distinct, so the four run side by side on one machine. */
export const defaultHttpPorts: Readonly<Record<ServiceName, number>> = {
  registry: 3001,
  verifier: 3002,
  ledger: 3003,
  'token-issuer': 3004,
};
