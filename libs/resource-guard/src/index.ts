// @settle/resource-guard: the guard every resource server puts in front of its device and terminal
// routes (DESIGN §7). An ES256 access token from the token issuer's JWKS, plus proof of possession of
// the key its `cnf` names — an RFC 8471 binding over this TLS connection (token-binding mode) or an
// RFC 9449 DPoP proof (DPoP mode, TLS ending at an ingress) — plus the key's current state from
// registry.key-lifecycle.v1. The pure checks live in access-token/, token-binding/, dpop/; Nest glue
// in nest/. See docs/security.md.

export {
  type ResourceGuardRejectionCode,
  type Rejection,
  reject,
  rejectionResponses,
  resourceGuardRejectionCodes,
} from './rejections';

export {
  type JsonWebKeySet,
  type JwksFetcher,
  type JwksKeyStoreOptions,
  JwksKeyStore,
  JwksStaleError,
  JwksUnavailableError,
  jwksCacheMaxAgeMs,
  jwksFetchTimeoutMs,
  jwksKeysMax,
  jwksRefetchIntervalMsMin,
  jwksRetryAfterFailureMsMin,
  jwksTrustMsMaxDefault,
} from './access-token/jwks-key-store';
export {
  type AccessTokenKeys,
  type VerifyAccessTokenOptions,
  type VerifyAccessTokenResult,
  accessTokenAlgorithms,
  accessTokenClockSkewSeconds,
  accessTokenLengthMaxChars,
  verifyAccessToken,
} from './access-token/verify-access-token';

export {
  type BoundConnection,
  type VerifyTokenBindingForTokenInput,
  TokenBindingCache,
  verifiedBindingsPerConnectionMax,
  verifyTokenBindingForToken,
} from './token-binding/verify-token-binding';

export {
  DpopNonces,
  dpopNonceLifetimeSeconds,
  dpopNonceRenewAfterSeconds,
  dpopNonceSecretLengthMinChars,
} from './dpop/dpop-nonce';
export {
  type VerifiedDpopProof,
  type VerifyDpopProofInput,
  accessTokenHash,
  dpopJtiLengthMaxChars,
  dpopProofAgeSecondsMax,
  dpopProofFutureSkewSeconds,
  dpopProofLengthMaxChars,
  dpopReplayRetentionSeconds,
  normalizeHtu,
  verifyDpopProof,
} from './dpop/verify-dpop-proof';
export {
  type DpopReplayCache,
  type DpopReplaySql,
  InMemoryDpopReplayCache,
  PostgresDpopReplayCache,
  dpopReplayPruneBatchSizeMax,
  dpopReplayPruneIntervalMs,
  pruneDpopProofIds,
  rememberDpopProofId,
} from './dpop/dpop-replay-cache';

export {
  BINDING_KEY_STATUS,
  type BindingKeyStatus,
  StaticBindingKeyStatus,
} from './key-status/binding-key-status';
export {
  type BindingKeyRow,
  type BindingKeySql,
  type BindingKeyUpsertResult,
  readBindingKeyStates,
  upsertBindingKeyState,
} from './key-status/binding-key-table';
export {
  type BindingKeyRecord,
  BindingKeySnapshot,
  type BindingKeySnapshotOptions,
  type BindingKeySource,
  bindingKeyTableSource,
  type SnapshotLogger,
  bindingKeyFullReloadIntervalMs,
  bindingKeyRefreshIntervalMs,
  bindingKeyRefreshOverlapMs,
  revocationDelayMsStated,
} from './key-status/binding-key-snapshot';
export { BindingKeyLifecycleConsumer } from './key-status/binding-key-lifecycle.consumer';

export {
  type AuthenticationOutcome,
  type GuardRequest,
  type Principal,
  type RequestAuthenticatorOptions,
  RequestAuthenticator,
  authenticationRealm,
} from './authenticate/request-authenticator';

export {
  type AuthMode,
  type ResourceGuardConfigValues,
  type ResourceGuardSettings,
  authModes,
  resourceGuardConfig,
  resourceGuardSettingsFrom,
} from './config/resource-guard-config';
export { resourceGuardMigrations } from './migrations';

export { Authenticated, AuthenticatedPrincipal, RequireRole } from './nest/decorators';
export { ResourceGuard } from './nest/resource.guard';
export {
  BindingKeySnapshotRunner,
  type BindingKeyStatusProvider,
  IssuerKeysHealth,
  ResourceGuardModule,
  type ResourceGuardModuleOptions,
} from './nest/resource-guard.module';
export {
  REQUIRED_ROLES_METADATA,
  RESOURCE_GUARD_SETTINGS,
  principalProperty,
} from './nest/resource-guard-tokens';
