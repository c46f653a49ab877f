import { latestPerId } from './registry-projection.store';

describe('latestPerId (one row per statement, as if applied one by one)', () => {
  const longer = (
    candidate: { id: string; length: number },
    current: { id: string; length: number },
  ) => candidate.length > current.length;

  it('keeps the newer event per id, whatever the order', () => {
    const events = [
      { id: 'a', length: 2, tag: 'a2' },
      { id: 'b', length: 1, tag: 'b1' },
      { id: 'a', length: 3, tag: 'a3' },
      { id: 'a', length: 1, tag: 'a1' },
    ];
    expect(latestPerId(events, (event) => event.id, longer).map((event) => event.tag)).toEqual([
      'a3',
      'b1',
    ]);
  });

  it('keeps the earlier of two equal ones (a later equal event changes nothing)', () => {
    const events = [
      { id: 'a', length: 2, tag: 'first' },
      { id: 'a', length: 2, tag: 'second' },
    ];
    expect(latestPerId(events, (event) => event.id, longer).map((event) => event.tag)).toEqual([
      'first',
    ]);
  });
});
