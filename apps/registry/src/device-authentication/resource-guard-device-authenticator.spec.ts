import { type PlatformRequest, ProblemException } from '@settle/platform';
import { type AuthenticationOutcome, type RequestAuthenticator } from '@settle/resource-guard';
import { ResourceGuardDeviceAuthenticator } from './resource-guard-device-authenticator';

const principal = {
  subject: 'dev_1',
  owner: 'acc_1',
  role: 'consumer-device',
  sessionId: 'ses_1',
  keyId: 'key-1',
  attestation: { level: 'tee', kind: 'registration' },
} as const;
const request = {
  method: 'POST',
  url: '/v1/devices/dev_1/check-ins',
  originalUrl: '/v1/devices/dev_1/check-ins',
  headers: { authorization: 'Bearer t' },
  socket: { tls: true },
} as unknown as PlatformRequest;
const logger = { debug: jest.fn() };

function adapter(outcome: AuthenticationOutcome) {
  const authenticate = jest.fn(async () => outcome);
  return {
    authenticate,
    authenticator: new ResourceGuardDeviceAuthenticator(
      { authenticate } as unknown as RequestAuthenticator,
      logger as never,
    ),
  };
}

describe('ResourceGuardDeviceAuthenticator', () => {
  it('maps the principal to the device identity, passes the socket (roles are left to DeviceOnlyGuard)', async () => {
    const { authenticate, authenticator } = adapter({
      ok: true,
      principal,
      headers: { 'DPoP-Nonce': 'n' },
    });
    expect(await authenticator.authenticate(request)).toEqual({
      identity: { subject: 'dev_1', owner: 'acc_1', role: 'consumer-device' },
      headers: { 'DPoP-Nonce': 'n' },
    });
    expect(authenticate).toHaveBeenCalledWith({
      method: 'POST',
      url: '/v1/devices/dev_1/check-ins',
      headers: request.headers,
      socket: { tls: true },
    });
  });

  it('refuses a principal whose binding key belongs to someone else (the guard’s BINDING_KEY_NOT_SUBJECTS)', async () => {
    const headers = { 'WWW-Authenticate': 'Bearer realm="settle", error="invalid_token"' };
    const { authenticator } = adapter({
      ok: false,
      code: 'BINDING_KEY_NOT_SUBJECTS',
      detail: 'The key this session is bound to is not the caller’s own.',
      status: 401,
      headers,
    });
    expect(await authenticator.authenticate(request)).toMatchObject({
      identity: null,
      headers,
      detail: expect.stringContaining('not the caller'),
    });
  });

  it('passes a refusal on with its challenge and detail', async () => {
    const headers = { 'WWW-Authenticate': 'Bearer realm="settle", error="invalid_token"' };
    const { authenticator } = adapter({
      ok: false,
      code: 'TOKEN_BINDING_INVALID',
      detail: 'Token binding needs TLS 1.3 ending at this service.',
      status: 401,
      headers,
    });
    expect(await authenticator.authenticate(request)).toEqual({
      identity: null,
      headers,
      detail: 'Token binding needs TLS 1.3 ending at this service.',
    });
  });

  it('answers 503 when the guard cannot decide', async () => {
    const { authenticator } = adapter({
      ok: false,
      code: 'AUTHENTICATION_UNAVAILABLE',
      detail: 'retry later',
      status: 503,
      headers: {},
    });
    const error = await authenticator.authenticate(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProblemException);
    expect((error as ProblemException).getStatus()).toBe(503);
  });
});
