// Property test of the key lifecycle: random command sequences at random (sometimes backwards) times,
// checked against a separately written reference: the history stays contiguous, revoked and rejected
// are final, the state is the last period's, and wasActiveAt agrees with a replay of the reference.
import { keyHistoryEntriesMax, type KeyState } from '@settle/contracts';
import fc from 'fast-check';
import {
  currentState,
  decideKeyTransition,
  isContiguous,
  type KeyCommand,
  type KeyHistory,
  registeredKeyHistory,
  wasActiveAt,
} from './key-lifecycle';

const fastCheckRunsMax = 300;
const commandsPerRunMax = 80;
const start = Date.parse('2026-01-01T00:00:00.000Z');

const command: fc.Arbitrary<KeyCommand> = fc.oneof(
  fc.constant({ kind: 'accept-attestation' as const }),
  fc.constant({ kind: 'reject-attestation' as const }),
  fc
    .constantFrom('operator-action' as const, 'device-lost' as const)
    .map((reason) => ({ kind: 'suspend' as const, reason })),
  fc.constant({ kind: 'reactivate' as const }),
  fc.constant({ kind: 'rotate' as const }),
  fc
    .constantFrom('compromised' as const, 'device-retired' as const)
    .map((reason) => ({ kind: 'revoke' as const, reason })),
);
/** Steps in ms; negative ones model a replica whose clock is behind. */
const step = fc.integer({ min: -500, max: 5_000 });

/** The reference: the allowed transitions as a table, written independently of the decider. */
const allowed: Record<KeyCommand['kind'], Partial<Record<KeyState, KeyState>>> = {
  'accept-attestation': { pending: 'active' },
  'reject-attestation': { pending: 'rejected' },
  suspend: { active: 'suspended' },
  reactivate: { suspended: 'active' },
  rotate: { active: 'rotated', suspended: 'rotated' },
  revoke: { pending: 'revoked', active: 'revoked', suspended: 'revoked', rotated: 'revoked' },
};

/** Periods the reference keeps free after entering each state, so that rotation and revocation always fit. */
const reservedAfter: Record<KeyState, number> = {
  pending: 2,
  active: 2,
  suspended: 2,
  rotated: 1,
  revoked: 0,
  rejected: 0,
};

describe('key lifecycle (property)', () => {
  it('keeps a contiguous history, final states final, and answers wasActiveAt like the reference', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(command, step), { maxLength: commandsPerRunMax }), (steps) => {
        let history: KeyHistory = registeredKeyHistory(new Date(start).toISOString());
        let clock = start;
        let state: KeyState = 'pending';
        /** Reference timeline: (from ms, state), the effective time never going backwards. */
        const timeline: Array<{ from: number; state: KeyState }> = [
          { from: start, state: 'pending' },
        ];
        for (const [next, deltaMs] of steps) {
          clock += deltaMs;
          const at = new Date(clock).toISOString();
          const result = decideKeyTransition(history, next, at);
          const expected: KeyState | undefined = allowed[next.kind][state];
          // Room kept in the history: rotation and revocation always fit (issue 13 §3).
          const full =
            expected !== undefined &&
            history.length + reservedAfter[expected] >= keyHistoryEntriesMax;
          if (result.outcome === 'changed') {
            expect(expected).toBeDefined();
            expect(full).toBe(false);
            history = result.history;
            state = expected!;
            const effective = Math.max(clock, timeline[timeline.length - 1]!.from);
            timeline.push({ from: effective, state });
          } else if (result.outcome === 'unchanged') {
            expect(currentState(history)).toBe(targetOf(next));
          } else {
            expect(expected === undefined || full).toBe(true);
          }
          expect(isContiguous(history)).toBe(true);
          // Whatever came before, a key not yet final can still be revoked.
          if (state !== 'revoked' && state !== 'rejected')
            expect(
              decideKeyTransition(history, { kind: 'revoke', reason: 'compromised' }, at).outcome,
            ).toBe('changed');
          expect(currentState(history)).toBe(state);
          expect(history[0]!.validFrom).toBe(new Date(start).toISOString());
        }
        if (state === 'revoked' || state === 'rejected') {
          for (const [next] of steps.slice(0, 5))
            expect(
              decideKeyTransition(history, next, new Date(clock + 1).toISOString()).outcome,
            ).not.toBe('changed');
        }
        for (let probe = start - 1_000; probe <= clock + 1_000; probe += 250) {
          expect(wasActiveAt(history, new Date(probe).toISOString())).toBe(
            referenceActiveAt(timeline, probe),
          );
        }
      }),
      { numRuns: fastCheckRunsMax },
    );
  });
});

function targetOf(command: KeyCommand): KeyState {
  const targets: Record<KeyCommand['kind'], KeyState> = {
    'accept-attestation': 'active',
    'reject-attestation': 'rejected',
    suspend: 'suspended',
    reactivate: 'active',
    rotate: 'rotated',
    revoke: 'revoked',
  };
  return targets[command.kind];
}

/** The state at `at` is that of the last change at or before it (a later change at the same instant wins). */
function referenceActiveAt(
  timeline: ReadonlyArray<{ from: number; state: KeyState }>,
  at: number,
): boolean {
  let state: KeyState | null = null;
  for (const entry of timeline) if (entry.from <= at) state = entry.state;
  return state === 'active';
}
