import { ConfigValueError } from '../config/config-definition';
import { loadServiceConfig, commonConfig } from '../config/service-config';
import { AdminAuthenticator } from './admin-authenticator';
import {
  formatScryptHash,
  hashAdminSecret,
  parseAdminAuthorization,
  parseAdminCredentials,
  parseScryptHash,
  type ScryptHash,
  scryptCostMin,
  verifyScrypt,
} from './admin-credentials';

// The smallest accepted cost keeps the tests fast; production hashes use scryptDefaults.
const fastParameters = { cost: scryptCostMin, blockSize: 8, parallelization: 1 };
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
  it('parses operator ids and scrypt hashes', () => {
    const [credential] = parseAdminCredentials([{ operatorId: 'alice', secretHash: validHash }]);
    expect(credential?.operatorId).toBe('alice');
    expect(credential?.secretHash).toMatchObject({ cost: 16384, blockSize: 8, parallelization: 1 });
    expect(formatScryptHash(credential!.secretHash)).toBe(validHash);
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
        'entry 3: operatorId alice appears twice; ' +
        'entry 4 has unknown fields role; ' +
        'entry 5 must be an object with operatorId and secretHash)',
    );
    expect(message).not.toContain('abcdefghijklmnop');
  });

  it('rejects a value that is not an array', () => {
    expect(parseError({ operatorId: 'alice' })).toContain('a JSON array of');
  });

  it.each([
    ['weak cost', `scrypt$1024$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`],
    ['cost not a power of two', `scrypt$20000$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`],
    ['memory bomb', `scrypt$1048576$64$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`],
    ['short salt', `scrypt$16384$8$1$${Buffer.alloc(8).toString('base64')}$${Buffer.alloc(32).toString('base64')}`],
    ['short hash', `scrypt$16384$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(16).toString('base64')}`],
    ['not base64', 'scrypt$16384$8$1$%%%$%%%'],
    ['missing part', `scrypt$16384$8$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`],
  ])('refuses a hash with %s', (_case, hash) => {
    expect(parseScryptHash(hash)).toBeUndefined();
  });

  it('is how SETTLE_ADMIN_CREDENTIALS is read, as a secret', () => {
    const env = { SETTLE_ADMIN_CREDENTIALS: JSON.stringify([{ operatorId: 'alice', secretHash: validHash }]) };
    expect(loadServiceConfig('ledger', commonConfig('ledger'), env).SETTLE_ADMIN_CREDENTIALS).toHaveLength(1);
    expect(() => loadServiceConfig('ledger', commonConfig('ledger'), { SETTLE_ADMIN_CREDENTIALS: 'alice:secret' })).toThrow(
      'SETTLE_ADMIN_CREDENTIALS: expected valid JSON; the value is not shown because it is secret',
    );
  });
});

describe('parseAdminAuthorization', () => {
  it('splits Bearer <operatorId>.<secret> at the first dot', () => {
    expect(parseAdminAuthorization('Bearer alice.s3cret.with.dots')).toEqual({ operatorId: 'alice', secret: 's3cret.with.dots' });
    expect(parseAdminAuthorization('bearer alice.x')).toEqual({ operatorId: 'alice', secret: 'x' });
  });

  it.each([undefined, '', 'Bearer', 'Bearer alice', 'Bearer .secret', 'Bearer alice.', 'Basic YWxpY2U6eA==', 'Bearer al ice.x', `Bearer alice.${'x'.repeat(600)}`])(
    'rejects %p',
    (header) => {
      expect(parseAdminAuthorization(header)).toBeUndefined();
    },
  );
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
  async function authenticatorFor(secret: string) {
    const calls: string[] = [];
    const hash = parseScryptHash(await hashAdminSecret(secret, fastParameters))!;
    const countingVerify = async (presented: string, reference: ScryptHash) => {
      calls.push(presented);
      return verifyScrypt(presented, reference);
    };
    return { authenticator: new AdminAuthenticator([{ operatorId: 'alice', secretHash: hash }], countingVerify), calls };
  }

  it('is never open without credentials', async () => {
    expect(await new AdminAuthenticator([]).authenticate('Bearer alice.anything')).toEqual({ outcome: 'not-configured' });
  });

  it('accepts the right secret and runs scrypt once per distinct credential', async () => {
    const { authenticator, calls } = await authenticatorFor('s3cret');
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(await authenticator.authenticate('Bearer alice.s3cret')).toEqual({ outcome: 'authenticated', operatorId: 'alice' });
    }
    expect(calls).toEqual(['s3cret']);
  });

  it('rejects a wrong secret and an unknown operator alike, paying for scrypt both times', async () => {
    const { authenticator, calls } = await authenticatorFor('s3cret');
    await authenticator.authenticate('Bearer alice.s3cret');
    expect(await authenticator.authenticate('Bearer alice.wrong')).toEqual({ outcome: 'rejected', claimedOperatorId: 'alice' });
    expect(await authenticator.authenticate('Bearer mallory.s3cret')).toEqual({ outcome: 'rejected', claimedOperatorId: 'mallory' });
    expect(await authenticator.authenticate('Basic xyz')).toEqual({ outcome: 'rejected' });
    expect(calls).toEqual(['s3cret', 'wrong', 's3cret']);
  });
});
