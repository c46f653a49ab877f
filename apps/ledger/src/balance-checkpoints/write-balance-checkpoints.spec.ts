import { checkpointCommitMarginMs, checkpointPeriodMs } from './balance-checkpoints';
import { checkpointBoundary } from './write-balance-checkpoints';

describe('checkpointBoundary', () => {
  const now = new Date('2026-03-01T10:20:00.000Z');

  it('is the latest period boundary at least the commit margin before now', () => {
    expect(checkpointBoundary(now, null).toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(checkpointBoundary(new Date('2026-03-01T10:14:59.999Z'), null).toISOString()).toBe(
      '2026-03-01T09:00:00.000Z',
    );
    expect(checkpointCommitMarginMs).toBeLessThan(checkpointPeriodMs);
  });

  it('stays before a transaction still open (a writer that read its clock then may not have committed)', () => {
    expect(checkpointBoundary(now, new Date('2026-03-01T08:10:00.000Z')).toISOString()).toBe(
      '2026-03-01T07:00:00.000Z',
    );
    expect(checkpointBoundary(now, new Date('2026-03-01T11:00:00.000Z')).toISOString()).toBe(
      '2026-03-01T10:00:00.000Z',
    );
  });
});
