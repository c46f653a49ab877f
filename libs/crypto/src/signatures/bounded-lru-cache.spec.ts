import { BoundedLruCache } from './bounded-lru-cache';

describe('BoundedLruCache', () => {
  it('evicts the least recently used entry when full', () => {
    const cache = new BoundedLruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recently used
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('never grows past its bound', () => {
    const cache = new BoundedLruCache<number, number>(10);
    for (let key = 0; key < 1000; key++) cache.set(key, key);
    expect(cache.size).toBe(10);
    expect(cache.get(999)).toBe(999);
    expect(cache.get(989)).toBeUndefined();
  });

  it('rejects a non-positive bound', () => {
    expect(() => new BoundedLruCache(0)).toThrow(
      expect.objectContaining({ code: 'ERR_ASSERTION_FAILED' }),
    );
  });
});
