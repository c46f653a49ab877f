import { Module, type ModuleMetadata, type Provider } from '@nestjs/common';
import { keyCustodyProvider } from '@settle/key-custody';
import { MessagingModule } from '@settle/messaging';
import { ResourceGuardModule } from '@settle/resource-guard';
import { AccountStatusConsumer } from './account-status/account-status.consumer';
import { AddDeviceController } from './add-device/add-device.controller';
import { AddDeviceHandler } from './add-device/add-device.handler';
import { ApproveLimitChangeController } from './approve-limit-change/approve-limit-change.controller';
import { ApproveLimitChangeHandler } from './approve-limit-change/approve-limit-change.handler';
import { AttestationResultsConsumer } from './attestation-results/attestation-results.consumer';
import { ChangeKeyStateController } from './change-key-state/change-key-state.controller';
import { ChangeKeyStateHandler } from './change-key-state/change-key-state.handler';
import { CheckInController } from './check-in/check-in.controller';
import { CheckInHandler } from './check-in/check-in.handler';
import { CredentialKeysController } from './credentials/credential-keys.controller';
import { CredentialSigner } from './credentials/credential-signer';
import { DeviceOfflineStateController } from './device-offline-state/device-offline-state.controller';
import { DEVICE_AUTHENTICATOR } from './device-authentication/device-authenticator';
import { DeviceOnlyGuard } from './device-authentication/device-only.guard';
import {
  RegistryBindingKeys,
  RegistryBindingKeysModule,
} from './device-authentication/registry-binding-keys';
import { ResourceGuardDeviceAuthenticator } from './device-authentication/resource-guard-device-authenticator';
import { IssueEnrolmentCodeController } from './issue-enrolment-code/issue-enrolment-code.controller';
import { IssueEnrolmentCodeHandler } from './issue-enrolment-code/issue-enrolment-code.handler';
import { KeyHistoryController } from './key-history/key-history.controller';
import { OnboardMerchantController } from './onboard-merchant/onboard-merchant.controller';
import { OnboardMerchantHandler } from './onboard-merchant/onboard-merchant.handler';
import { OpenAccountController } from './open-account/open-account.controller';
import { OpenAccountHandler } from './open-account/open-account.handler';
import { RegisterKeysController } from './register-keys/register-keys.controller';
import { RegisterKeysHandler } from './register-keys/register-keys.handler';
import { RegisterTerminalController } from './register-terminal/register-terminal.controller';
import { RegisterTerminalHandler } from './register-terminal/register-terminal.handler';
import { RevokeEnrolmentCodeController } from './revoke-enrolment-code/revoke-enrolment-code.controller';
import { RevokeEnrolmentCodeHandler } from './revoke-enrolment-code/revoke-enrolment-code.handler';
import { SetOfflineCapabilityController } from './set-offline-capability/set-offline-capability.controller';
import { SetOfflineCapabilityHandler } from './set-offline-capability/set-offline-capability.handler';
import { SetOfflineLimitsController } from './set-offline-limits/set-offline-limits.controller';
import { SetOfflineLimitsHandler } from './set-offline-limits/set-offline-limits.handler';
import { TerminalCredentialController } from './terminal-credential/terminal-credential.controller';
import { TerminalCredentialHandler } from './terminal-credential/terminal-credential.handler';

/** The operators' use cases (docs/registry.md, Admin API): one folder each, in the order of that table. */
const adminControllers = [
  OpenAccountController,
  OnboardMerchantController,
  RegisterTerminalController,
  AddDeviceController,
  IssueEnrolmentCodeController,
  RevokeEnrolmentCodeController,
  SetOfflineLimitsController,
  ApproveLimitChangeController,
  SetOfflineCapabilityController,
  DeviceOfflineStateController,
  ChangeKeyStateController,
  KeyHistoryController,
];
const adminHandlers = [
  OpenAccountHandler,
  OnboardMerchantHandler,
  RegisterTerminalHandler,
  AddDeviceHandler,
  IssueEnrolmentCodeHandler,
  RevokeEnrolmentCodeHandler,
  SetOfflineLimitsHandler,
  ApproveLimitChangeHandler,
  SetOfflineCapabilityHandler,
  ChangeKeyStateHandler,
];

/**
 * The registry's composition, with the device authenticator as a parameter. Production (no argument)
 * binds the resource guard: bound access tokens from the token issuer, binding-key states read from
 * the registry's own `registry_keys` (docs/registry.md). The integration-test kit may pass a test
 * authenticator instead; the resource guard is then not composed (nor its configuration checked).
 */
export function registryModuleMetadata(deviceAuthenticator?: Provider): ModuleMetadata {
  const deviceAuthentication: {
    imports: NonNullable<ModuleMetadata['imports']>;
    providers: Provider[];
  } = deviceAuthenticator
    ? { imports: [], providers: [deviceAuthenticator] }
    : {
        imports: [
          RegistryBindingKeysModule,
          ResourceGuardModule.forService({
            imports: [RegistryBindingKeysModule],
            keyStatus: {
              useFactory: (keys: RegistryBindingKeys) => keys,
              inject: [RegistryBindingKeys],
            },
          }),
        ],
        providers: [{ provide: DEVICE_AUTHENTICATOR, useClass: ResourceGuardDeviceAuthenticator }],
      };
  return {
    imports: [
      MessagingModule.forService({
        consumers: [AttestationResultsConsumer, AccountStatusConsumer],
      }),
      ...deviceAuthentication.imports,
    ],
    controllers: [
      ...adminControllers,
      RegisterKeysController,
      CredentialKeysController,
      TerminalCredentialController,
      CheckInController,
    ],
    providers: [
      ...adminHandlers,
      RegisterKeysHandler,
      keyCustodyProvider,
      CredentialSigner,
      TerminalCredentialHandler,
      CheckInHandler,
      DeviceOnlyGuard,
      ...deviceAuthentication.providers,
    ],
  };
}

/**
 * Composition root of the registry service: its use cases, with ports bound to adapters. The platform
 * (config, logger, DataSource, health, admin guard) is provided globally by bootstrapService.
 */
@Module(registryModuleMetadata())
export class RegistryModule {}
