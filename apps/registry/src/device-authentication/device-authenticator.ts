import { type PrincipalRole } from '@settle/contracts';
import { type PlatformRequest } from '@settle/platform';

/**
 * Who a device-facing request comes from, as its bound access token says: `subject` is the device or
 * terminal id, `owner` the account id (device) or merchant id (terminal), `role` which of the two.
 */
export interface DeviceIdentity {
  readonly subject: string;
  readonly owner: string;
  readonly role: PrincipalRole;
}

/**
 * An authenticator's verdict. `identity: null` means "not authenticated" (no token, a bad one, one
 * bound to another TLS connection or to a key no longer active…): the guard answers 401. `headers`
 * go on the response either way (the challenge, a DPoP nonce); `detail` (safe to show the caller)
 * explains a refusal.
 */
export type DeviceAuthentication =
  | { readonly identity: DeviceIdentity; readonly headers?: Readonly<Record<string, string>> }
  | {
      readonly identity: null;
      readonly headers?: Readonly<Record<string, string>>;
      readonly detail?: string;
    };

/**
 * The port the device-facing routes authenticate through. Production binds the resource guard
 * (`ResourceGuardDeviceAuthenticator`: the token issuer's bound tokens); the integration-test kit may
 * bind a test authenticator. An authenticator that cannot decide (keys unreachable) throws a
 * `ProblemException` (503) rather than refuse.
 *
 * @example
 * ```ts
 * @Module(registryModuleMetadata({ provide: DEVICE_AUTHENTICATOR, useValue: testDeviceAuthenticator }))
 * ```
 */
export interface DeviceAuthenticator {
  authenticate(request: PlatformRequest): Promise<DeviceAuthentication>;
}

/** The Nest injection token of the registry's {@link DeviceAuthenticator}. */
export const DEVICE_AUTHENTICATOR = 'settle.registry.DEVICE_AUTHENTICATOR';

/** Fail closed: every device-facing call answers 401 (tools and tests that need no device routes). */
export const refuseAllDevices: DeviceAuthenticator = {
  authenticate: async () => ({ identity: null }),
};
