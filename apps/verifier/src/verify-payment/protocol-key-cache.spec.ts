import { generateKeyPair, type PublicJwk } from '@settle/crypto';
import { ProtocolKeyCache } from './protocol-key-cache';

describe('ProtocolKeyCache', () => {
  it('imports a key once and serves the same object again', () => {
    const cache = new ProtocolKeyCache();
    const { publicJwk } = generateKeyPair('ES256');
    const key = cache.keyOf(publicJwk);
    expect(key?.alg).toBe('ES256');
    expect(cache.keyOf({ ...publicJwk })).toBe(key);
    expect(cache.keyOf(generateKeyPair('EdDSA').publicJwk)?.alg).toBe('EdDSA');
  });

  it('remembers a JWK it cannot import as null (the decider calls that key unknown)', () => {
    const cache = new ProtocolKeyCache();
    const broken = { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' } as unknown as PublicJwk;
    expect(cache.keyOf(broken)).toBeNull();
    expect(cache.size).toBe(1);
  });

  it('stays within its bound, dropping the oldest entry', () => {
    const cache = new ProtocolKeyCache(2);
    const [first, second, third] = [1, 2, 3].map(() => generateKeyPair('EdDSA').publicJwk);
    const firstKey = cache.keyOf(first!);
    cache.keyOf(second!);
    cache.keyOf(third!);
    expect(cache.size).toBe(2);
    expect(cache.keyOf(first!)).not.toBe(firstKey);
    expect(() => new ProtocolKeyCache(0)).toThrow(RangeError);
  });
});
