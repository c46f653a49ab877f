import {
  androidRevocationStatusListFetched,
  parseAndroidRevocationStatusList,
} from './android-revocation-status-list';

describe('parseAndroidRevocationStatusList', () => {
  it('keys entries by serial in the list’s form (lowercase hex, no leading zeros) and keeps status and reason', () => {
    const list = parseAndroidRevocationStatusList({
      entries: {
        '0C0FFEE1': { status: 'REVOKED', reason: 'KEY_COMPROMISE' },
        '2a': { status: 'SUSPENDED' },
      },
    });
    expect([...list.entries]).toEqual([
      ['c0ffee1', { status: 'REVOKED', reason: 'KEY_COMPROMISE' }],
      ['2a', { status: 'SUSPENDED' }],
    ]);
    expect(list.staleAfter).toBeUndefined();
  });

  it.each([
    ['not an object', []],
    ['no entries object', { entries: [] }],
    ['a serial that is not hexadecimal', { entries: { zz: { status: 'REVOKED' } } }],
    ['an entry without status', { entries: { '2a': { reason: 'KEY_COMPROMISE' } } }],
    ['a status that is not a word of capitals', { entries: { '2a': { status: 'revoked; drop' } } }],
    ['an empty status', { entries: { '2a': { status: '' } } }],
    ['a reason that is not a string', { entries: { '2a': { status: 'REVOKED', reason: 7 } } }],
  ])('refuses %s (ERR_POLICY_INVALID)', (_name, json) => {
    expect(() => parseAndroidRevocationStatusList(json)).toThrow(
      expect.objectContaining({ code: 'ERR_POLICY_INVALID' }),
    );
  });

  it('keeps a well-formed status it does not know: the certificate is still refused (failing closed)', () => {
    expect(
      parseAndroidRevocationStatusList({ entries: { '2a': { status: 'WITHDRAWN' } } }).entries.get(
        '2a',
      ),
    ).toEqual({ status: 'WITHDRAWN' });
  });
});

describe('androidRevocationStatusListFetched', () => {
  it('is stale after the fetch time plus the maximum age', () => {
    const list = androidRevocationStatusListFetched(
      { entries: {} },
      new Date('2026-12-01T00:00:00Z'),
      86_400,
    );
    expect(list.staleAfter).toEqual(new Date('2026-12-02T00:00:00Z'));
  });

  it('refuses a maximum age that is not a positive integer, and an invalid date (ERR_INVALID_ARGUMENT)', () => {
    expect(() => androidRevocationStatusListFetched({ entries: {} }, new Date(), 0)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() =>
      androidRevocationStatusListFetched({ entries: {} }, new Date(Number.NaN), 60),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
