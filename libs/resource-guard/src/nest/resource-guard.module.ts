import {
  type DynamicModule,
  type FactoryProvider,
  Inject,
  Injectable,
  Module,
  type ModuleMetadata,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { type Clock } from '@settle/crypto';
import {
  HEALTH_CONTRIBUTORS,
  type HealthCheckResult,
  type HealthContributor,
  type Logger,
  PLATFORM_LOGGER,
  SERVICE_CONFIG,
  SQL_POOL,
} from '@settle/platform';
import { type JwksFetcher, JwksKeyStore } from '../access-token/jwks-key-store';
import { RequestAuthenticator } from '../authenticate/request-authenticator';
import {
  type ResourceGuardConfigValues,
  type ResourceGuardSettings,
  resourceGuardSettingsFrom,
} from '../config/resource-guard-config';
import { PostgresDpopReplayCache } from '../dpop/dpop-replay-cache';
import { BINDING_KEY_STATUS, type BindingKeyStatus } from '../key-status/binding-key-status';
import { BindingKeySnapshot, bindingKeyTableSource } from '../key-status/binding-key-snapshot';
import { type BindingKeySql } from '../key-status/binding-key-table';
import { ResourceGuard } from './resource.guard';
import { RESOURCE_GUARD_SETTINGS } from './resource-guard-tokens';

/** How a service supplies its own key status instead of the Kafka-fed snapshot (e.g. the registry). */
export type BindingKeyStatusProvider =
  | { readonly useValue: BindingKeyStatus }
  | { readonly useClass: Type<BindingKeyStatus> }
  | {
      readonly useFactory: FactoryProvider<BindingKeyStatus>['useFactory'];
      readonly inject?: FactoryProvider['inject'];
    };

/** Options of {@link ResourceGuardModule.forService}; the defaults suit every service but the registry. */
export interface ResourceGuardModuleOptions {
  /** Default: {@link BindingKeySnapshot} over `resource_guard_binding_keys`, fed by `BindingKeyLifecycleConsumer`. */
  readonly keyStatus?: BindingKeyStatusProvider;
  /** Modules the key-status provider needs. */
  readonly imports?: ModuleMetadata['imports'];
  /** Tests: how the JWKS is fetched, and the clock. */
  readonly jwksFetcher?: JwksFetcher;
  readonly clock?: Clock;
}

/** Runs the default snapshot for the life of the service and reports it in /health/ready. */
@Injectable()
export class BindingKeySnapshotRunner
  implements OnModuleInit, OnApplicationShutdown, HealthContributor
{
  readonly name = 'binding-keys';
  // Until the first load a replica would refuse every token: keep it out of the load balancer.
  readonly affectsReadiness = true;
  readonly snapshot: BindingKeySnapshot;

  constructor(@Inject(SQL_POOL) pool: BindingKeySql, @Inject(PLATFORM_LOGGER) logger: Logger) {
    this.snapshot = new BindingKeySnapshot(bindingKeyTableSource(pool), { logger });
  }

  onModuleInit(): Promise<void> {
    return this.snapshot.start();
  }

  onApplicationShutdown(): void {
    this.snapshot.stop();
  }

  async check(): Promise<HealthCheckResult> {
    return { status: this.snapshot.loaded ? 'up' : 'down', details: { keys: this.snapshot.size } };
  }
}

/**
 * Readiness detail of the issuer's keys (`issuer-keys`): `down`, with the reason, once they are past
 * `SETTLE_AUTH_JWKS_TRUST_MAX_MS` and the issuer cannot be reached — guarded requests then answer 503
 * `ISSUER_KEYS_STALE`. It does not take the replica out of the load balancer: its unguarded routes
 * still work, and every replica shares the cause.
 */
export class IssuerKeysHealth implements HealthContributor {
  readonly name = 'issuer-keys';
  readonly affectsReadiness = false;

  constructor(private readonly keys: JwksKeyStore) {}

  async check(): Promise<HealthCheckResult> {
    const { stale, loadedAt, trustMsMax } = await this.keys.trustState();
    const details = { lastFetchedAt: loadedAt?.toISOString() ?? null, trustMsMax };
    return stale
      ? {
          status: 'down',
          details: {
            ...details,
            reason:
              'ISSUER_KEYS_STALE: the issuer’s keys are past their trust limit and the issuer cannot be reached',
          },
        }
      : { status: 'up', details };
  }
}

/**
 * The resource guard in a service: `ResourceGuardModule.forService()` next to `MessagingModule`,
 * with `resourceGuardConfig` in the service's configuration and `resourceGuardMigrations` in its
 * migration sources; routes opt in with `@Authenticated()` / `@RequireRole()`. Global, so every
 * feature module's controllers can use the decorators.
 *
 * @example
 * @Module({ imports: [ResourceGuardModule.forService(), MessagingModule.forService({ consumers: [BindingKeyLifecycleConsumer] })] })
 * export class VerifierModule {}
 */
@Module({})
export class ResourceGuardModule {
  static forService(options: ResourceGuardModuleOptions = {}): DynamicModule {
    const keyStatusProviders = options.keyStatus
      ? [
          { provide: BINDING_KEY_STATUS, ...options.keyStatus } as FactoryProvider,
          {
            provide: HEALTH_CONTRIBUTORS,
            useFactory: (keys: JwksKeyStore) => [new IssuerKeysHealth(keys)],
            inject: [JwksKeyStore],
          },
        ]
      : [
          BindingKeySnapshotRunner,
          {
            provide: BINDING_KEY_STATUS,
            useFactory: (runner: BindingKeySnapshotRunner) => runner.snapshot,
            inject: [BindingKeySnapshotRunner],
          },
          {
            provide: HEALTH_CONTRIBUTORS,
            useFactory: (runner: BindingKeySnapshotRunner, keys: JwksKeyStore) => [
              runner,
              new IssuerKeysHealth(keys),
            ],
            inject: [BindingKeySnapshotRunner, JwksKeyStore],
          },
        ];
    return {
      module: ResourceGuardModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        {
          provide: RESOURCE_GUARD_SETTINGS,
          useFactory: (config: ResourceGuardConfigValues) => resourceGuardSettingsFrom(config),
          inject: [SERVICE_CONFIG],
        },
        {
          provide: JwksKeyStore,
          useFactory: (settings: ResourceGuardSettings) =>
            new JwksKeyStore({
              ...('url' in settings.jwks
                ? { url: settings.jwks.url, trustMsMax: settings.jwks.trustMsMax }
                : { staticJwks: settings.jwks.staticJwks }),
              ...(options.jwksFetcher ? { fetcher: options.jwksFetcher } : {}),
              ...(options.clock ? { clock: options.clock } : {}),
            }),
          inject: [RESOURCE_GUARD_SETTINGS],
        },
        ...keyStatusProviders,
        {
          provide: RequestAuthenticator,
          useFactory: (
            settings: ResourceGuardSettings,
            keyStatus: BindingKeyStatus,
            pool: BindingKeySql,
            keys: JwksKeyStore,
          ) =>
            new RequestAuthenticator({
              settings,
              keyStatus,
              keys,
              ...(settings.mode === 'dpop'
                ? { replayCache: new PostgresDpopReplayCache(pool) }
                : {}),
              ...(options.clock ? { clock: options.clock } : {}),
            }),
          inject: [RESOURCE_GUARD_SETTINGS, BINDING_KEY_STATUS, SQL_POOL, JwksKeyStore],
        },
        ResourceGuard,
      ],
      exports: [RequestAuthenticator, ResourceGuard, BINDING_KEY_STATUS, RESOURCE_GUARD_SETTINGS],
    };
  }
}
