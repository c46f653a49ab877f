import { RegistryBindingKeys } from './registry-binding-keys';

interface Row {
  key_id: string;
  owner_id: string;
  state: string;
  state_changed_at: Date;
}

/** A fake registry_keys (binding keys only) answering the snapshot's three queries. */
function fakeTable(rows: Row[]) {
  const queries: string[] = [];
  let failing = false;
  const database = {
    query: async (text: string, values?: unknown[]) => {
      queries.push(text);
      if (failing) throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
      if (text.includes('key_id = $1'))
        return rows.filter((row) => row.key_id === values![0] && row.state === 'active');
      if (text.includes('max(state_changed_at)'))
        return [
          {
            newest: rows.reduce<Date | null>(
              (max, row) =>
                max === null || row.state_changed_at > max ? row.state_changed_at : max,
              null,
            ),
          },
        ];
      if (text.includes("state = 'active'")) return rows.filter((row) => row.state === 'active');
      const since = values![0] as Date;
      return rows.filter((row) => row.state_changed_at >= since);
    },
  };
  return { database, queries, fail: (value: boolean) => (failing = value) };
}

describe('RegistryBindingKeys', () => {
  const logger = { warn: jest.fn() };

  it('loads the active binding keys, then follows state changes incrementally', async () => {
    const rows: Row[] = [
      {
        key_id: 'k1',
        owner_id: 'dev_1',
        state: 'active',
        state_changed_at: new Date('2026-11-28T10:00:00Z'),
      },
      {
        key_id: 'k2',
        owner_id: 'dev_2',
        state: 'pending',
        state_changed_at: new Date('2026-11-28T10:00:01Z'),
      },
    ];
    const table = fakeTable(rows);
    const keys = new RegistryBindingKeys(table.database, logger);
    await keys.refresh();
    expect([
      keys.loaded,
      await keys.isActive('k1'),
      keys.ownerOf('k1'),
      await keys.isActive('k2'),
      await keys.isActive('unknown'),
    ]).toEqual([true, true, 'dev_1', false, false]);

    rows[0] = { ...rows[0]!, state: 'revoked', state_changed_at: new Date('2026-11-28T10:00:05Z') };
    rows[1] = { ...rows[1]!, state: 'active', state_changed_at: new Date('2026-11-28T10:00:05Z') };
    await keys.refresh();
    expect(table.queries.at(-1)).toContain('state_changed_at >= $1');
    expect([
      await keys.isActive('k1'),
      keys.ownerOf('k1'),
      await keys.isActive('k2'),
      keys.ownerOf('k2'),
    ]).toEqual([false, undefined, true, 'dev_2']);
  });

  it('looks a key it does not hold up once, so a key activated since the last refresh is not refused', async () => {
    const rows: Row[] = [
      {
        key_id: 'k1',
        owner_id: 'dev_1',
        state: 'pending',
        state_changed_at: new Date('2026-11-28T10:00:00Z'),
      },
    ];
    const table = fakeTable(rows);
    const keys = new RegistryBindingKeys(table.database, logger);
    await keys.refresh();
    expect(await keys.isActive('k1')).toBe(false);
    rows[0] = { ...rows[0]!, state: 'active' };
    expect(await keys.isActive('k1')).toBe(true);
    expect(keys.ownerOf('k1')).toBe('dev_1');
    expect(keys.isActive('k1')).toBe(true); // now from memory, no query
  });

  it('refuses to start when the first read fails, and keeps the last states when a refresh fails', async () => {
    const table = fakeTable([
      { key_id: 'k1', owner_id: 'dev_1', state: 'active', state_changed_at: new Date() },
    ]);
    const logger = { warn: jest.fn() };
    const keys = new RegistryBindingKeys(table.database, logger);
    table.fail(true);
    await expect(keys.onModuleInit()).rejects.toThrow('connection refused');
    expect(await keys.isActive('k1')).toBe(false); // the lookup fails closed
    table.fail(false);
    await keys.onModuleInit();
    keys.onApplicationShutdown();
    table.fail(true);
    await expect(keys.refresh()).rejects.toThrow();
    expect(keys.isActive('k1')).toBe(true);
    expect(logger.warn).toHaveBeenCalledTimes(3);
  });
});
