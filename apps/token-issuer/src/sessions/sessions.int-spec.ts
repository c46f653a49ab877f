// Session start and refresh over real TLS 1.3 connections to the running issuer, with the registry's
// events published into the test broker and the issuer's own PostgreSQL database.
import {
  type AccessTokenClaims,
  type SessionEndedV1,
  type SessionStartedV1,
} from '@settle/contracts';
import { BoundConnection, DeviceSession, createDpopProof } from '@settle/device-session';
import { waitFor } from '@settle/messaging/testing';
import {
  decodeSecTokenBindingHeader,
  parseTokenBindingMessage,
  tokenBindingIdHash,
} from '@settle/token-binding';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { SessionSweeper } from './session-sweeper';
import {
  startTokenIssuer,
  type TestDevice,
  type TokenIssuerTestKit,
  unregisteredDevice,
} from '../testing/token-issuer-test-kit';

const publishWaitMs = 30_000;
/** Starts tried after the burst before the rate-limit test gives up waiting for a refusal. */
const keyStartsBeyondBurstMax = 5;

describe('token issuer sessions (TLS 1.3, token binding and DPoP)', () => {
  let kit: TokenIssuerTestKit;
  const open: BoundConnection[] = [];

  const connect = async (device: Pick<TestDevice, 'privateJwk'>): Promise<BoundConnection> => {
    const connection = await BoundConnection.open(kit.endpoint, device.privateJwk);
    open.push(connection);
    return connection;
  };
  const post = async (
    connection: BoundConnection,
    path: string,
    headers: Record<string, string>,
    json?: unknown,
  ) => {
    const answer = await connection.request({
      method: 'POST',
      path,
      headers,
      ...(json === undefined ? {} : { json }),
    });
    return {
      status: answer.status,
      headers: answer.headers,
      body: JSON.parse(answer.body) as Record<string, unknown>,
    };
  };
  /** A session start on a new connection with that connection's own binding. */
  const start = async (device: TestDevice, bindingKeyId: string = device.keyId) => {
    const connection = await connect(device);
    return post(
      connection,
      '/v1/sessions',
      { 'sec-token-binding': connection.tokenBindingHeader },
      { bindingKeyId },
    );
  };
  const refresh = async (
    device: TestDevice,
    sessionId: string,
    accessToken: string,
    connection?: BoundConnection,
    binding?: string,
  ) => {
    const used = connection ?? (await connect(device));
    return post(used, `/v1/sessions/${sessionId}/tokens`, {
      authorization: `Bearer ${accessToken}`,
      'sec-token-binding': binding ?? used.tokenBindingHeader,
    });
  };
  const jwks = async (): Promise<JSONWebKeySet> => {
    const connection = await connect({ privateJwk: unregisteredDevice().privateJwk });
    return JSON.parse(
      (await connection.request({ method: 'GET', path: '/.well-known/jwks.json' })).body,
    ) as JSONWebKeySet;
  };
  const sessionCount = async () =>
    (await kit.query<{ n: number }>('SELECT count(*)::int AS n FROM token_issuer_sessions'))[0]!.n;

  beforeAll(async () => {
    kit = await startTokenIssuer();
    // The tests age sessions past their maximum age and sweep by hand: the service's own round, once a
    // minute, would race them in a run slower than a minute (a loaded machine), ending an aged session
    // before the refresh or the hand sweep the test asserts on.
    kit.test.service.app.get(SessionSweeper).beforeApplicationShutdown();
  });
  afterAll(async () => {
    for (const connection of open) connection.close();
    await kit?.stop();
  });

  it('starts a session for an active, attested key: a token jose verifies against the JWKS, with exactly the contract claims', async () => {
    const device = await kit.enrol({ level: 'strongbox' });
    const connection = await connect(device);
    const answer = await post(
      connection,
      '/v1/sessions',
      { 'sec-token-binding': connection.tokenBindingHeader },
      { bindingKeyId: device.keyId },
    );
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      accessToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: 300,
      sessionId: expect.stringMatching(/^ses_[0-9a-f]{32}$/),
    });
    const accessToken = answer.body['accessToken'] as string;

    const keySet = await jwks();
    const { payload, protectedHeader } = await jwtVerify(accessToken, createLocalJWKSet(keySet), {
      typ: 'at+jwt',
      algorithms: ['ES256'],
      issuer: 'urn:settle:token-issuer',
      audience: 'settle',
    });
    expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: keySet.keys[0]!.kid });
    const [binding] = parseTokenBindingMessage(
      decodeSecTokenBindingHeader(connection.tokenBindingHeader),
    ).tokenBindings;
    const expected: AccessTokenClaims = {
      iss: 'urn:settle:token-issuer',
      sub: device.id,
      aud: ['settle'],
      iat: payload.iat!,
      nbf: payload.iat!,
      exp: payload.iat! + 300,
      jti: payload.jti!,
      sid: answer.body['sessionId'] as string,
      cnf: { tbh: tokenBindingIdHash(binding!.tokenBindingId), jkt: device.keyId },
      att: { level: 'strongbox', kind: 'registration' },
      role: 'consumer-device',
      owner: device.owner,
    };
    expect(payload).toEqual(expected);

    await waitFor(
      () =>
        kit.published.some(
          (event) =>
            event.type === 'session.started' &&
            (event.payload as SessionStartedV1).sessionId === expected.sid,
        ),
      publishWaitMs,
      'session.started',
    );
    const started = kit.published.find(
      (event) =>
        event.type === 'session.started' &&
        (event.payload as SessionStartedV1).sessionId === expected.sid,
    )!;
    expect(started.payload).toEqual({
      sessionId: expected.sid,
      subject: { kind: 'device', id: device.id },
      keyId: device.keyId,
      attestationKind: 'registration',
      bindingMode: 'token-binding',
      startedAt: expect.any(String),
      expiresAt: expect.any(String),
    });
  });

  it('issues a terminal a pos-terminal token owned by its merchant, and claims the lowest level, software, when the verifier’s level was never seen', async () => {
    const terminal = await kit.enrol({ kind: 'terminal', level: null });
    const answer = await start(terminal);
    expect(answer.status).toBe(201);
    const claims = decodeClaims(answer.body['accessToken'] as string);
    expect({ sub: claims.sub, role: claims.role, owner: claims.owner, att: claims.att }).toEqual({
      sub: terminal.id,
      role: 'pos-terminal',
      owner: terminal.owner,
      att: { level: 'software', kind: 'registration' },
    });
  });

  it('refuses a binding copied from another connection', async () => {
    const device = await kit.enrol();
    const first = await connect(device);
    const second = await connect(device);
    const answer = await post(
      second,
      '/v1/sessions',
      { 'sec-token-binding': first.tokenBindingHeader },
      { bindingKeyId: device.keyId },
    );
    expect(answer.status).toBe(401);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({
      code: 'TOKEN_BINDING_INVALID',
      errors: [
        {
          field: 'headers.sec-token-binding',
          code: 'TOKEN_BINDING_INVALID',
          message: 'ERR_TB_SIGNATURE_INVALID',
        },
      ],
    });
  });

  it('refuses an unknown, a pending, a suspended and a revoked key, and stores nothing', async () => {
    const before = await sessionCount();
    const unknown = unregisteredDevice();
    const pending = await kit.enrol({ state: 'pending' });
    const suspended = await kit.enrol({ state: 'suspended' });
    const revoked = await kit.enrol({ state: 'revoked' });
    const answers = [
      await start(unknown),
      await start(pending),
      await start(suspended),
      await start(revoked),
    ];
    expect(answers.map((answer) => [answer.status, answer.body['code']])).toEqual([
      [403, 'KEY_UNKNOWN'],
      [403, 'KEY_NOT_ACTIVE'],
      [403, 'KEY_NOT_ACTIVE'],
      [403, 'KEY_NOT_ACTIVE'],
    ]);
    expect(answers[0]!.body).toMatchObject({
      errors: [{ field: 'bindingKeyId', code: 'KEY_UNKNOWN' }],
    });
    expect(await sessionCount()).toBe(before);
  });

  it('refuses fresh attestation evidence where no attestation policy is configured', async () => {
    const device = await kit.enrol();
    const connection = await connect(device);
    const answer = await post(
      connection,
      '/v1/sessions',
      { 'sec-token-binding': connection.tokenBindingHeader },
      { bindingKeyId: device.keyId, attestation: { format: 'android-key', evidence: 'AAAA' } },
    );
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      code: 'FRESH_ATTESTATION_UNAVAILABLE',
      errors: [{ field: 'attestation' }],
    });
  });

  it('refuses a binding made by another key than the one named (even another registered, active key)', async () => {
    const device = await kit.enrol();
    const other = await kit.enrol();
    const answer = await start(other, device.keyId);
    expect([answer.status, answer.body['code']]).toEqual([403, 'KEY_MISMATCH']);
  });

  it('answers bad input with problem+json naming the field, and stores nothing', async () => {
    const before = await sessionCount();
    const device = await kit.enrol();
    const connection = await connect(device);
    const missing = await post(
      connection,
      '/v1/sessions',
      { 'sec-token-binding': connection.tokenBindingHeader },
      {},
    );
    const malformed = await post(
      connection,
      '/v1/sessions',
      { 'sec-token-binding': connection.tokenBindingHeader },
      { bindingKeyId: 'not-a-key-id' },
    );
    const extra = await post(
      connection,
      '/v1/sessions',
      { 'sec-token-binding': connection.tokenBindingHeader },
      { bindingKeyId: device.keyId, attestation: 'x' },
    );
    const noBinding = await post(connection, '/v1/sessions', {}, { bindingKeyId: device.keyId });
    const garbage = await post(
      connection,
      '/v1/sessions',
      { 'sec-token-binding': 'AAAA' },
      { bindingKeyId: device.keyId },
    );
    expect(
      [missing, malformed, extra, noBinding, garbage].map((answer) => [
        answer.status,
        answer.body['code'],
        (answer.body['errors'] as Array<{ field: string }>)[0]?.field,
      ]),
    ).toEqual([
      [400, 'VALIDATION_FAILED', expect.stringContaining('bindingKeyId')],
      [400, 'VALIDATION_FAILED', expect.stringContaining('bindingKeyId')],
      [400, 'VALIDATION_FAILED', expect.stringContaining('attestation')],
      [400, 'BINDING_MISSING', 'headers.sec-token-binding'],
      [401, 'TOKEN_BINDING_INVALID', 'headers.sec-token-binding'],
    ]);
    expect(await sessionCount()).toBe(before);
  });

  it('refreshes on a new connection with a fresh binding; refuses an old connection’s binding and a superseded token', async () => {
    const device = await kit.enrol();
    const startConnection = await connect(device);
    const started = await post(
      startConnection,
      '/v1/sessions',
      { 'sec-token-binding': startConnection.tokenBindingHeader },
      { bindingKeyId: device.keyId },
    );
    const sessionId = started.body['sessionId'] as string;
    const firstToken = started.body['accessToken'] as string;

    const stale = await refresh(
      device,
      sessionId,
      firstToken,
      await connect(device),
      startConnection.tokenBindingHeader,
    );
    expect([stale.status, stale.body['code']]).toEqual([401, 'TOKEN_BINDING_INVALID']);

    const refreshed = await refresh(device, sessionId, firstToken);
    expect(refreshed.status).toBe(201);
    const second = decodeClaims(refreshed.body['accessToken'] as string);
    const first = decodeClaims(firstToken);
    expect({ sid: second.sid, cnf: second.cnf, sub: second.sub }).toEqual({
      sid: first.sid,
      cnf: first.cnf,
      sub: first.sub,
    });
    expect(second.jti).not.toBe(first.jti);

    const again = await refresh(device, sessionId, firstToken);
    expect([again.status, again.body['code']]).toEqual([401, 'TOKEN_SUPERSEDED']);

    const otherKey = await kit.enrol();
    const wrongKey = await refresh(otherKey, sessionId, refreshed.body['accessToken'] as string);
    expect([wrongKey.status, wrongKey.body['code']]).toEqual([401, 'BINDING_KEY_CHANGED']);
  });

  it('refuses a refresh after the session’s maximum age, ending it with session.ended (max-age)', async () => {
    const device = await kit.enrol();
    const started = await start(device);
    const sessionId = started.body['sessionId'] as string;
    // Age the session instead of waiting 12 hours: its stored maximum-age deadline passes.
    await kit.query(
      "UPDATE token_issuer_sessions SET started_at = now() - interval '13 hours', expires_at = now() - interval '1 hour' WHERE session_id = $1",
      [sessionId],
    );
    const answer = await refresh(device, sessionId, started.body['accessToken'] as string);
    expect([answer.status, answer.body['code']]).toEqual([401, 'SESSION_MAX_AGE']);
    await waitFor(() => ended(sessionId) !== undefined, publishWaitMs, 'session.ended');
    expect(ended(sessionId)).toEqual({ sessionId, reason: 'max-age', endedAt: expect.any(String) });
    const after = await refresh(device, sessionId, started.body['accessToken'] as string);
    expect([after.status, after.body['code']]).toEqual([401, 'SESSION_ENDED']);
  });

  it('sweeps sessions whose maximum age passed without a refresh (session.ended, max-age)', async () => {
    const device = await kit.enrol();
    const started = await start(device);
    const sessionId = started.body['sessionId'] as string;
    await kit.query(
      "UPDATE token_issuer_sessions SET started_at = now() - interval '13 hours', expires_at = now() - interval '1 hour' WHERE session_id = $1",
      [sessionId],
    );
    expect(await kit.test.service.app.get(SessionSweeper).sweepOnce()).toContain(sessionId);
    await waitFor(() => ended(sessionId) !== undefined, publishWaitMs, 'session.ended');
    expect(ended(sessionId)?.reason).toBe('max-age');
    expect(await kit.test.service.app.get(SessionSweeper).sweepOnce()).not.toContain(sessionId);
  });

  it('ends every session of a revoked key (session.ended, key-revoked) and refuses their refresh; a suspended key ends with key-suspended', async () => {
    const device = await kit.enrol();
    const one = await start(device);
    const two = await start(device);
    const sessions = [one.body['sessionId'] as string, two.body['sessionId'] as string];
    await kit.changeKeyState(device, 'revoked', 'compromised');
    await waitFor(
      () => sessions.every((sessionId) => ended(sessionId) !== undefined),
      publishWaitMs,
      'session.ended for both sessions',
    );
    expect(sessions.map((sessionId) => ended(sessionId)?.reason)).toEqual([
      'key-revoked',
      'key-revoked',
    ]);
    const answer = await refresh(device, sessions[0]!, one.body['accessToken'] as string);
    expect([answer.status, answer.body['code']]).toEqual([401, 'SESSION_ENDED']);

    const other = await kit.enrol();
    const session = await start(other);
    await kit.changeKeyState(other, 'suspended');
    await waitFor(
      () => ended(session.body['sessionId'] as string) !== undefined,
      publishWaitMs,
      'session.ended (suspended)',
    );
    expect(ended(session.body['sessionId'] as string)?.reason).toBe('key-suspended');
  });

  it('limits session starts per binding key: 429 problem with Retry-After', async () => {
    const perMinute = kit.test.service.config.SETTLE_TOKEN_ISSUER_RATE_LIMIT_KEY_PER_MINUTE;
    const device = await kit.enrol();
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof start>> | undefined;
    // The key's bucket holds a burst of `perMinute` and refills one token every 60 / perMinute s: on a
    // loaded machine the starts may outlast a refill, so the test starts until refused and allows
    // exactly the tokens refilled meanwhile.
    const startedAt = Date.now();
    while (last?.status !== 429 && statuses.length < perMinute + keyStartsBeyondBurstMax) {
      last = await start(device);
      statuses.push(last.status);
    }
    const refilled = Math.floor(((Date.now() - startedAt) * perMinute) / 60_000);
    const allowed = statuses.length - 1;
    expect(statuses).toEqual([...Array.from({ length: allowed }, () => 201), 429]);
    expect(allowed).toBeGreaterThanOrEqual(perMinute);
    expect(allowed).toBeLessThanOrEqual(perMinute + refilled);
    expect(last!.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(last!.body).toMatchObject({
      code: 'RATE_LIMITED',
      errors: [{ field: 'bindingKeyId', code: 'RATE_LIMITED' }],
    });
  });

  it('starts and refreshes a DPoP session (cnf.jkt only), refusing a replayed proof and a wrong htu', async () => {
    const device = await kit.enrol();
    const url = `https://localhost:${kit.endpoint.port}/v1/sessions`;
    const proof = await createDpopProof({ privateJwk: device.privateJwk, htm: 'POST', htu: url });
    const connection = await connect(device);
    const answer = await post(
      connection,
      '/v1/sessions',
      { dpop: proof },
      { bindingKeyId: device.keyId },
    );
    expect(answer.status).toBe(201);
    expect(answer.body['tokenType']).toBe('DPoP');
    expect(decodeClaims(answer.body['accessToken'] as string).cnf).toEqual({ jkt: device.keyId });

    const replayed = await post(
      await connect(device),
      '/v1/sessions',
      { dpop: proof },
      { bindingKeyId: device.keyId },
    );
    expect([replayed.status, replayed.body['code']]).toEqual([401, 'DPOP_PROOF_REPLAYED']);
    const wrongHtu = await post(
      connection,
      '/v1/sessions',
      {
        dpop: await createDpopProof({
          privateJwk: device.privateJwk,
          htm: 'POST',
          htu: 'https://elsewhere.example/v1/sessions',
        }),
      },
      { bindingKeyId: device.keyId },
    );
    expect([wrongHtu.status, wrongHtu.body['code']]).toEqual([401, 'DPOP_PROOF_INVALID']);

    const session = new DeviceSession({
      issuer: kit.endpoint,
      bindingKeyId: device.keyId,
      bindingPrivateJwk: device.privateJwk,
      mode: 'dpop',
    });
    const first = await session.start();
    const next = await session.refresh();
    expect(next.sessionId).toBe(first.sessionId);
    expect(next.accessToken).not.toBe(first.accessToken);
  });

  it('the device SDK starts a token-binding session and refreshes it before expiry', async () => {
    const device = await kit.enrol();
    let now = new Date();
    const session = new DeviceSession({
      issuer: kit.endpoint,
      bindingKeyId: device.keyId,
      bindingPrivateJwk: device.privateJwk,
      now: () => now,
    });
    const first = await session.accessToken();
    expect(await session.accessToken()).toBe(first);
    now = new Date(first.expiresAt.getTime() - 10_000);
    const second = await session.accessToken();
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.accessToken).not.toBe(first.accessToken);
  });

  function ended(sessionId: string): SessionEndedV1 | undefined {
    return kit.published.find(
      (event) =>
        event.type === 'session.ended' && (event.payload as SessionEndedV1).sessionId === sessionId,
    )?.payload as SessionEndedV1 | undefined;
  }
});

function decodeClaims(token: string): AccessTokenClaims {
  expect(decodeProtectedHeader(token).typ).toBe('at+jwt');
  return JSON.parse(
    Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'),
  ) as AccessTokenClaims;
}
