import { spawnSync } from 'node:child_process';
import { ConfigValueError } from '../config/config-definition';
import { loadServiceConfig, commonConfig } from '../config/service-config';
import { AdminAuthenticator } from './admin-authenticator';
import {
  adminLoginAttemptsPerAddressMax,
  adminLoginAttemptsPerCredentialMax,
  AdminLoginThrottle,
  adminLoginWindowMs,
} from './admin-login-throttle';
import {
  formatScryptHash,
  hashAdminSecret,
  parseAdminAuthorization,
  parseAdminCredentials,
  parseScryptHash,
  type ScryptHash,
  adminRoles,
  scryptCostMin,
  verifyScrypt,
} from './admin-credentials';

// The smallest accepted cost keeps the tests fast; production hashes use scryptDefaults.
const fastParameters = { cost: scryptCostMin, blockSize: 8, parallelization: 1 };
// Some tests hash a few dozen times on purpose (throttling counts refused attempts): seconds on a busy
// machine, where Jest's 5 s default made them fail for no fault of the code.
jest.setTimeout(30_000);
const validHash = `scrypt$16384$8$1$${Buffer.alloc(16, 1).toString('base64')}$${Buffer.alloc(32, 2).toString('base64')}`;

function parseError(value: unknown): string {
  try {
    parseAdminCredentials(value);
  } catch (error) {
    if (error instanceof ConfigValueError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigValueError');
}

describe('parseAdminCredentials', () => {
  it('parses operator ids and scrypt hashes; without roles an operator is a viewer and maker, never a checker', () => {
    const [credential] = parseAdminCredentials([{ operatorId: 'alice', secretHash: validHash }]);
    expect(credential?.operatorId).toBe('alice');
    expect(credential?.credentialId).toBe('alice');
    expect(credential?.roles).toEqual(['viewer', 'maker']);
    expect(credential?.secretHash).toMatchObject({ cost: 16384, blockSize: 8, parallelization: 1 });
    expect(formatScryptHash(credential!.secretHash)).toBe(validHash);
  });

  it('gives one person several credentials, each with its roles', () => {
    const credentials = parseAdminCredentials([
      {
        operatorId: 'alice',
        credentialId: 'alice-laptop',
        secretHash: validHash,
        roles: ['maker'],
      },
      {
        operatorId: 'alice',
        credentialId: 'alice-card',
        secretHash: validHash,
        roles: ['viewer', 'checker'],
      },
    ]);
    expect(
      credentials.map(({ credentialId, operatorId, roles }) => ({
        credentialId,
        operatorId,
        roles,
      })),
    ).toEqual([
      { credentialId: 'alice-laptop', operatorId: 'alice', roles: ['maker'] },
      { credentialId: 'alice-card', operatorId: 'alice', roles: ['viewer', 'checker'] },
    ]);
  });

  it.each([[[]], [['root']], [['maker', 'maker']], ['maker']])('refuses the roles %p', (roles) => {
    expect(parseError([{ operatorId: 'alice', secretHash: validHash, roles }])).toContain(
      'entry 0 (alice): roles must be a non-empty list of distinct viewer, maker, checker',
    );
  });

  it('accepts an empty list (admin routes then answer 503)', () => {
    expect(parseAdminCredentials([])).toEqual([]);
  });

  it('names every bad entry by position and never quotes a hash', () => {
    const message = parseError([
      { operatorId: 'alice', secretHash: validHash },
      { operatorId: 'bob.smith', secretHash: validHash },
      { operatorId: 'carol', secretHash: 'bcrypt$2b$10$abcdefghijklmnop' },
      { operatorId: 'alice', secretHash: validHash },
      { operatorId: 'dave', secretHash: validHash, role: 'root' },
      'eve',
    ]);
    expect(message).toBe(
      'a valid list of admin credentials (entry 1: operatorId must be 1 to 64 letters, digits, "_" or "-"; ' +
        'entry 2 (carol): secretHash must be scrypt$N$r$p$saltBase64$hashBase64 within the accepted bounds; ' +
        'entry 3: credentialId alice appears twice; ' +
        'entry 4 has unknown fields role; ' +
        'entry 5 must be an object with operatorId and secretHash)',
    );
    expect(message).not.toContain('abcdefghijklmnop');
  });

  it('rejects a value that is not an array', () => {
    expect(parseError({ operatorId: 'alice' })).toContain('a JSON array of');
  });

  it.each([
    [
      'weak cost',
      `scrypt$1024$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`,
    ],
    [
      'cost not a power of two',
      `scrypt$20000$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`,
    ],
    [
      'memory bomb',
      `scrypt$1048576$64$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`,
    ],
    [
      'short salt',
      `scrypt$16384$8$1$${Buffer.alloc(8).toString('base64')}$${Buffer.alloc(32).toString('base64')}`,
    ],
    [
      'short hash',
      `scrypt$16384$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(16).toString('base64')}`,
    ],
    ['not base64', 'scrypt$16384$8$1$%%%$%%%'],
    [
      'missing part',
      `scrypt$16384$8$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`,
    ],
  ])('refuses a hash with %s', (_case, hash) => {
    expect(parseScryptHash(hash)).toBeUndefined();
  });

  it('is how SETTLE_ADMIN_CREDENTIALS is read, as a secret', () => {
    const env = {
      SETTLE_ADMIN_CREDENTIALS: JSON.stringify([{ operatorId: 'alice', secretHash: validHash }]),
    };
    expect(
      loadServiceConfig('ledger', commonConfig('ledger'), env).SETTLE_ADMIN_CREDENTIALS,
    ).toHaveLength(1);
    expect(() =>
      loadServiceConfig('ledger', commonConfig('ledger'), {
        SETTLE_ADMIN_CREDENTIALS: 'alice:secret',
      }),
    ).toThrow(
      'SETTLE_ADMIN_CREDENTIALS: expected valid JSON; the value is not shown because it is secret',
    );
  });
});

describe('parseAdminAuthorization', () => {
  it('splits Bearer <operatorId>.<secret> at the first dot', () => {
    expect(parseAdminAuthorization('Bearer alice.s3cret.with.dots')).toEqual({
      credentialId: 'alice',
      secret: 's3cret.with.dots',
    });
    expect(parseAdminAuthorization('bearer alice.x')).toEqual({
      credentialId: 'alice',
      secret: 'x',
    });
  });

  it.each([
    undefined,
    '',
    'Bearer',
    'Bearer alice',
    'Bearer .secret',
    'Bearer alice.',
    'Basic YWxpY2U6eA==',
    'Bearer al ice.x',
    `Bearer alice.${'x'.repeat(600)}`,
  ])('rejects %p', (header) => {
    expect(parseAdminAuthorization(header)).toBeUndefined();
  });
});

describe('hashAdminSecret and verifyScrypt', () => {
  it('round-trips, and a different secret does not verify', async () => {
    const encoded = await hashAdminSecret('correct horse', fastParameters);
    const hash = parseScryptHash(encoded)!;
    expect(await verifyScrypt('correct horse', hash)).toBe(true);
    expect(await verifyScrypt('correct horse!', hash)).toBe(false);
  });
});

describe('AdminAuthenticator', () => {
  async function authenticatorFor(secret: string, throttle = new AdminLoginThrottle()) {
    const calls: string[] = [];
    const hash = parseScryptHash(await hashAdminSecret(secret, fastParameters))!;
    const countingVerify = async (presented: string, reference: ScryptHash) => {
      calls.push(presented);
      return verifyScrypt(presented, reference);
    };
    const credential = {
      credentialId: 'alice',
      operatorId: 'alice',
      roles: ['viewer', 'maker'] as const,
      secretHash: hash,
    };
    return { authenticator: new AdminAuthenticator([credential], countingVerify, throttle), calls };
  }
  const alice = {
    outcome: 'authenticated',
    operatorId: 'alice',
    credentialId: 'alice',
    roles: ['viewer', 'maker'],
  };

  it('is never open without credentials', async () => {
    expect(await new AdminAuthenticator([]).authenticate('Bearer alice.anything')).toEqual({
      outcome: 'not-configured',
    });
  });

  it('accepts the right secret and runs scrypt once per distinct credential', async () => {
    const { authenticator, calls } = await authenticatorFor('s3cret');
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(await authenticator.authenticate('Bearer alice.s3cret')).toEqual(alice);
    }
    expect(calls).toEqual(['s3cret']);
  });

  it('rejects a wrong secret and an unknown operator alike, paying for scrypt both times', async () => {
    const { authenticator, calls } = await authenticatorFor('s3cret');
    await authenticator.authenticate('Bearer alice.s3cret');
    expect(await authenticator.authenticate('Bearer alice.wrong')).toEqual({
      outcome: 'rejected',
      claimedOperatorId: 'alice',
    });
    expect(await authenticator.authenticate('Bearer mallory.s3cret')).toEqual({
      outcome: 'rejected',
      claimedOperatorId: 'mallory',
    });
    expect(await authenticator.authenticate('Basic xyz')).toEqual({ outcome: 'rejected' });
    expect(calls).toEqual(['s3cret', 'wrong', 's3cret']);
  });

  it('throttles unverified attempts per credential id before computing scrypt, and a verified secret still works', async () => {
    let nowMs = 0;
    const { authenticator, calls } = await authenticatorFor(
      's3cret',
      new AdminLoginThrottle(() => nowMs),
    );
    await authenticator.authenticate('Bearer alice.s3cret', '10.0.0.1');
    for (let attempt = 0; attempt < adminLoginAttemptsPerCredentialMax; attempt += 1) {
      expect(
        await authenticator.authenticate(`Bearer alice.wrong${attempt}`, `10.0.1.${attempt}`),
      ).toMatchObject({ outcome: 'rejected' });
    }
    expect(await authenticator.authenticate('Bearer alice.one-more', '10.0.2.1')).toEqual({
      outcome: 'throttled',
      claimedOperatorId: 'alice',
      retryAfterSeconds: 60,
    });
    expect(calls).toHaveLength(1 + adminLoginAttemptsPerCredentialMax);
    // The secret verified before is recognised by its digest, without scrypt, even while throttled.
    expect(await authenticator.authenticate('Bearer alice.s3cret', '10.0.2.1')).toEqual(alice);
    nowMs += adminLoginWindowMs;
    expect(await authenticator.authenticate('Bearer alice.wrong-again', '10.0.2.1')).toMatchObject({
      outcome: 'rejected',
    });
  });

  it('throttles per source address across credential ids', async () => {
    const { authenticator, calls } = await authenticatorFor(
      's3cret',
      new AdminLoginThrottle(() => 0),
    );
    for (let attempt = 0; attempt < adminLoginAttemptsPerAddressMax; attempt += 1) {
      await authenticator.authenticate(`Bearer guess${attempt}.x`, '192.0.2.7');
    }
    expect(await authenticator.authenticate('Bearer alice.s3cret', '192.0.2.7')).toMatchObject({
      outcome: 'throttled',
    });
    expect(await authenticator.authenticate('Bearer alice.s3cret', '192.0.2.8')).toEqual(alice);
    expect(calls).toHaveLength(adminLoginAttemptsPerAddressMax + 1);
  });
});

describe('scripts/hash-admin-secret.mjs', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['scripts/hash-admin-secret.mjs', ...args, '--stdin'], {
      input: 'a-secret-of-enough-length',
      encoding: 'utf8',
    });

  it('makes an entry with roles and a further credential of the same person, which the services accept as made', () => {
    const printed = run(
      '--operator',
      'alice',
      '--credential',
      'alice-card',
      '--roles',
      [...adminRoles].reverse().join(','),
    );
    expect(printed.status).toBe(0);
    const [credential] = parseAdminCredentials([JSON.parse(printed.stdout)]);
    expect(credential).toMatchObject({
      operatorId: 'alice',
      credentialId: 'alice-card',
      roles: [...adminRoles].reverse(),
    });
  });

  it('refuses a role the services do not know, or one named twice, before hashing', () => {
    expect(run('--operator', 'alice', '--roles', 'viewer,admin')).toMatchObject({
      status: 2,
      stdout: '',
    });
    expect(run('--operator', 'alice', '--roles', 'maker,maker')).toMatchObject({
      status: 2,
      stdout: '',
    });
  });
});
