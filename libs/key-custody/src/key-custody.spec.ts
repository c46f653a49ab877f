import { mkdtempSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifySignature } from '@settle/crypto';
import {
  type CustodyKey,
  FileKeyCustody,
  createKeyCustodyDocument,
  isKeyCustodyError,
  publishedKeys,
  selectSigningKey,
} from './index';

const t0 = new Date('2026-11-01T00:00:00Z');
const minutes = (count: number): number => count * 60_000;
const at = (offsetMs: number): Date => new Date(t0.getTime() + offsetMs);

function scheduled(kid: string, activatesAt: Date, retiresAt?: Date): CustodyKey {
  const key = {
    purpose: 'token-signing' as const,
    kid,
    alg: 'ES256' as const,
    publicJwk: { kty: 'EC' as const, crv: 'P-256' as const, x: kid, y: kid },
    activatesAt,
  };
  return retiresAt === undefined ? key : { ...key, retiresAt };
}

describe('FileKeyCustody', () => {
  it('signs with the named key; the signature verifies with the published public key, and no private member is exposed', async () => {
    const custody = FileKeyCustody.fromDocument(
      createKeyCustodyDocument(['token-signing', 'credential-signing'], t0),
    );
    const [key] = await custody.keys('credential-signing');
    expect(key).toBeDefined();
    expect(JSON.stringify(key)).not.toContain('"d"');
    const data = new TextEncoder().encode('to be signed');
    const signature = await custody.sign('credential-signing', key!.kid, data);
    expect(
      verifySignature({ alg: 'ES256', jwk: key!.publicJwk, data, signature, backend: 'native' }),
    ).toBe(true);
  });

  it('keeps purposes apart: a token key cannot sign a credential', async () => {
    const custody = FileKeyCustody.fromDocument(
      createKeyCustodyDocument(['token-signing', 'credential-signing'], t0),
    );
    const [tokenKey] = await custody.keys('token-signing');
    await expect(
      custody.sign('credential-signing', tokenKey!.kid, new Uint8Array(1)),
    ).rejects.toMatchObject({ code: 'ERR_UNKNOWN_KEY' });
  });

  it('rejects malformed documents with a message that never quotes the key', () => {
    const secret = { kty: 'EC', crv: 'P-256', x: 'abc', y: 'def', d: 'super-secret-scalar' };
    const attempts = [
      'not json',
      JSON.stringify({ keys: [] }),
      JSON.stringify({
        keys: [{ purpose: 'token-signing', privateJwk: secret, activatesAt: t0.toISOString() }],
      }),
      JSON.stringify({
        keys: [{ purpose: 'mystery', privateJwk: secret, activatesAt: t0.toISOString() }],
      }),
      JSON.stringify({
        keys: [{ ...createKeyCustodyDocument(['token-signing'], t0).keys[0], extra: 1 }],
      }),
    ];
    for (const text of attempts) {
      const directory = mkdtempSync(join(tmpdir(), 'custody-'));
      writeFileSync(join(directory, 'keys.json'), text);
      let caught: unknown;
      try {
        FileKeyCustody.fromFile(join(directory, 'keys.json'));
      } catch (error) {
        caught = error;
      }
      expect(isKeyCustodyError(caught) && caught.code === 'ERR_CUSTODY_DOCUMENT_INVALID').toBe(
        true,
      );
      expect(String((caught as Error).message)).not.toContain('super-secret');
    }
  });

  it('reads the file again when it changes (rotation by Secret update)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'custody-'));
    const path = join(directory, 'keys.json');
    const first = createKeyCustodyDocument(['token-signing'], t0);
    writeFileSync(path, JSON.stringify(first));
    utimesSync(path, t0, t0);
    const custody = FileKeyCustody.fromFile(path);
    expect(await custody.keys('token-signing')).toHaveLength(1);
    const next = createKeyCustodyDocument(['token-signing'], at(minutes(60)));
    writeFileSync(path, JSON.stringify({ keys: [...first.keys, ...next.keys] }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(await custody.keys('token-signing')).toHaveLength(2);
  });

  it('checks the file once per event-loop turn: a change is seen by the first call of the next turn', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'custody-'));
    const path = join(directory, 'keys.json');
    const first = createKeyCustodyDocument(['receipt-signing'], t0);
    writeFileSync(path, JSON.stringify(first));
    utimesSync(path, t0, t0);
    const custody = FileKeyCustody.fromFile(path);
    const before = await custody.keys('receipt-signing');
    expect(await custody.keys('receipt-signing')).toBe(before);
    const next = createKeyCustodyDocument(['receipt-signing'], t0);
    // The same size and modification time: only the inode and change time say it was replaced.
    const replacement = join(directory, 'keys.next.json');
    writeFileSync(replacement, JSON.stringify(next));
    utimesSync(replacement, t0, t0);
    expect([statSync(replacement).size, statSync(replacement).mtimeMs]).toEqual([
      statSync(path).size,
      statSync(path).mtimeMs,
    ]);
    renameSync(replacement, path);
    expect(await custody.keys('receipt-signing')).toBe(before);
    await new Promise((resolve) => setImmediate(resolve));
    const after = await custody.keys('receipt-signing');
    const [expected] = await FileKeyCustody.fromDocument(next).keys('receipt-signing');
    expect(after.map((key) => key.kid)).toEqual([expected!.kid]);
    expect(after[0]!.kid).not.toBe(before[0]!.kid);
    await expect(
      custody.sign('receipt-signing', before[0]!.kid, new Uint8Array(1)),
    ).rejects.toMatchObject({
      code: 'ERR_UNKNOWN_KEY',
    });
  });

  it('refuses every call while the file holds an invalid document, and signs again once it is fixed', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'custody-'));
    const path = join(directory, 'keys.json');
    const document = createKeyCustodyDocument(['receipt-signing'], t0);
    writeFileSync(path, JSON.stringify(document));
    const custody = FileKeyCustody.fromFile(path);
    const [key] = await custody.keys('receipt-signing');
    await new Promise((resolve) => setImmediate(resolve));
    writeFileSync(path, '{ "keys": "broken" }');
    for (let call = 0; call < 3; call += 1)
      await expect(
        custody.sign('receipt-signing', key!.kid, new Uint8Array(1)),
      ).rejects.toMatchObject({
        code: 'ERR_CUSTODY_DOCUMENT_INVALID',
      });
    await new Promise((resolve) => setImmediate(resolve));
    await expect(custody.keys('receipt-signing')).rejects.toMatchObject({
      code: 'ERR_CUSTODY_DOCUMENT_INVALID',
    });
    writeFileSync(path, JSON.stringify(document));
    await new Promise((resolve) => setImmediate(resolve));
    expect(await custody.sign('receipt-signing', key!.kid, new Uint8Array(1))).toHaveLength(64);
  });
});

describe('the rotation schedule', () => {
  const old = scheduled('old', t0);
  const next = scheduled('next', at(minutes(60)));
  const window = { overlapMs: minutes(15), prepublishMs: minutes(30) };

  it('signs with the newest activated key that has not retired', () => {
    expect(selectSigningKey([old, next], at(minutes(59))).kid).toBe('old');
    expect(selectSigningKey([old, next], at(minutes(60))).kid).toBe('next');
    expect(
      selectSigningKey([scheduled('retired', t0, at(minutes(10))), old], at(minutes(20))).kid,
    ).toBe('old');
  });

  it('fails loudly when no key is active', () => {
    expect(() => selectSigningKey([next], at(0))).toThrow(
      expect.objectContaining({ code: 'ERR_NO_SIGNING_KEY' }),
    );
  });

  it('publishes the next key ahead of its activation and the old one until its tokens have expired', () => {
    const kids = (now: Date): string[] =>
      publishedKeys([next, old], now, window).map((key) => key.kid);
    expect(kids(at(minutes(29)))).toEqual(['old']);
    expect(kids(at(minutes(30)))).toEqual(['old', 'next']);
    expect(kids(at(minutes(74)))).toEqual(['old', 'next']);
    expect(kids(at(minutes(75)))).toEqual(['next']);
  });

  it('drops a retired key after the overlap even without a successor', () => {
    const retired = scheduled('retired', t0, at(minutes(10)));
    expect(publishedKeys([retired], at(minutes(24)), window)).toHaveLength(1);
    expect(publishedKeys([retired], at(minutes(25)), window)).toHaveLength(0);
  });
});
