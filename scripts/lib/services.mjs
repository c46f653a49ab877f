// The four services as the scripts see them: name, default port, database (and role) name.
// The list itself is libs/contracts/src/services.ts; the scripts stay plain Node, so it is repeated
// here and test/architecture/service-list.spec.ts fails when the two differ.
// `https`: TLS ends in the service itself (token binding needs each connection's exporter), with the
// certificate named by `tlsCertVariable` (scripts/dev-pki.mjs makes one; start-all probes over HTTPS).
export const services = [
  { name: 'registry', port: 3001, https: true, tlsCertVariable: 'SETTLE_HTTP_TLS_CERT_FILE' },
  { name: 'verifier', port: 3002, https: true, tlsCertVariable: 'SETTLE_HTTP_TLS_CERT_FILE' },
  { name: 'ledger', port: 3003 },
  { name: 'token-issuer', port: 3004, https: true, tlsCertVariable: 'SETTLE_HTTP_TLS_CERT_FILE' },
].map((service) => ({ ...service, database: `settle_${service.name.replaceAll('-', '_')}` }));

export function findService(name) {
  const service = services.find((candidate) => candidate.name === name);
  if (!service)
    throw new Error(
      `unknown service ${JSON.stringify(name)}; expected one of ${services.map((s) => s.name).join(', ')}`,
    );
  return service;
}
