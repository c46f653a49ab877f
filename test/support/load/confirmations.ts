// What a POS does when it is online again after a run: it polls its confirmations and its SDK takes
// each confirmed transaction off the upload queue (which holds at most uploadQueueEntriesMax).
import { fetchConfirmations } from '@settle/device-session';
import { type Endpoints, type Terminal } from '@settle/demo';

/** Each terminal's confirmation cursor, so the next drain reads only what is new. */
const cursors = new WeakMap<Terminal, string>();

/**
 * Fetches every terminal's confirmations (verified offline by its POS SDK, which dequeues them) until
 * none is left; returns how many were taken. Call it between runs, outside the measured time.
 */
export async function drainConfirmations(
  endpoints: Endpoints,
  terminals: readonly Terminal[],
): Promise<number> {
  let taken = 0;
  for (const terminal of terminals) {
    for (;;) {
      const fetched = await fetchConfirmations(terminal.session, terminal.pos, {
        verifier: endpoints.verifier,
        after: cursors.get(terminal) ?? '0',
      });
      cursors.set(terminal, fetched.nextCursor);
      taken += fetched.confirmations.length;
      if (fetched.complete || fetched.confirmations.length === 0) break;
    }
  }
  return taken;
}
