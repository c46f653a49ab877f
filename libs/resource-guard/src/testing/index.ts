// Test support of the resource guard (imported as @settle/resource-guard/testing; tests only): an
// in-process token issuer and JWKS, binding keys, DPoP proofs, and real TLS 1.3 servers and clients
// that carry RFC 8471 bindings.
export {
  type DpopProofInput,
  type TestBindingKey,
  type TestTokenIssuer,
  createDpopProof,
  createTestBindingKey,
  createTestTokenIssuer,
} from './test-token-issuer';
export {
  type BoundRequestInput,
  type BoundResponse,
  type TlsTestServer,
  createTlsTestServer,
  keptAliveAgent,
  makeSelfSignedCertificate,
  respondJson,
  sendBoundRequest,
  tlsServerOptions,
} from './tls-test-server';
export { keyLifecycleEvent } from './key-lifecycle-event';
export { withTestJwks } from './with-test-jwks';
