import { Module, type ModuleMetadata, type Provider } from '@nestjs/common';
import { keyCustodyProvider } from '@settle/key-custody';
import { MessagingModule } from '@settle/messaging';
import { ResourceGuardModule } from '@settle/resource-guard';
import { AccountStatusConsumer } from './account-status/account-status.consumer';
import { RegistryAdminController } from './admin/registry-admin.controller';
import { RegistryAdminHandler } from './admin/registry-admin.handler';
import { AttestationResultsConsumer } from './attestation-results/attestation-results.consumer';
import { CheckInController } from './check-in/check-in.controller';
import { CheckInHandler } from './check-in/check-in.handler';
import { CredentialKeysController } from './credentials/credential-keys.controller';
import { CredentialSigner } from './credentials/credential-signer';
import { DEVICE_AUTHENTICATOR } from './device-authentication/device-authenticator';
import { DeviceOnlyGuard } from './device-authentication/device-only.guard';
import { RegistryBindingKeys, RegistryBindingKeysModule } from './device-authentication/registry-binding-keys';
import { ResourceGuardDeviceAuthenticator } from './device-authentication/resource-guard-device-authenticator';
import { EnrolmentController } from './register-keys/enrolment.controller';
import { EnrolmentHandler } from './register-keys/enrolment.handler';
import { TerminalCredentialController } from './terminal-credential/terminal-credential.controller';
import { TerminalCredentialHandler } from './terminal-credential/terminal-credential.handler';

/**
 * The registry's composition, with the device authenticator as a parameter. Production (no argument)
 * binds the resource guard: bound access tokens from the token issuer, binding-key states read from
 * the registry's own `registry_keys` (docs/registry.md). The integration-test kit may pass a test
 * authenticator instead; the resource guard is then not composed (nor its configuration checked).
 */
export function registryModuleMetadata(deviceAuthenticator?: Provider): ModuleMetadata {
  const deviceAuthentication: { imports: NonNullable<ModuleMetadata['imports']>; providers: Provider[] } = deviceAuthenticator
    ? { imports: [], providers: [deviceAuthenticator] }
    : {
        imports: [
          RegistryBindingKeysModule,
          ResourceGuardModule.forService({
            imports: [RegistryBindingKeysModule],
            keyStatus: { useFactory: (keys: RegistryBindingKeys) => keys, inject: [RegistryBindingKeys] },
          }),
        ],
        providers: [{ provide: DEVICE_AUTHENTICATOR, useClass: ResourceGuardDeviceAuthenticator }],
      };
  return {
    imports: [MessagingModule.forService({ consumers: [AttestationResultsConsumer, AccountStatusConsumer] }), ...deviceAuthentication.imports],
    controllers: [RegistryAdminController, EnrolmentController, CredentialKeysController, TerminalCredentialController, CheckInController],
    providers: [RegistryAdminHandler, EnrolmentHandler, keyCustodyProvider, CredentialSigner, TerminalCredentialHandler, CheckInHandler, DeviceOnlyGuard, ...deviceAuthentication.providers],
  };
}

/**
 * Composition root of the registry service: its use cases, with ports bound to adapters. The platform
 * (config, logger, DataSource, health, admin guard) is provided globally by bootstrapService.
 */
@Module(registryModuleMetadata())
export class RegistryModule {}
