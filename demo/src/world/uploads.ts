import {
  fetchTransactionStatus,
  isDeviceSessionError,
  type TransactionStatus,
  type VerifierClientOptions,
} from '@settle/device-session';
import { revocationDelayMsStated } from '@settle/resource-guard';
import { type Endpoints } from './endpoints';
import { type Terminal } from './parties';
import { sleep, waitUntil } from './wait';

/** Bound of the wait for one payment to reach its final state (verification, ledger, confirmation). */
export const finalStateWaitMs = 60_000;
/** The states after which nothing changes. */
export const finalStatuses: readonly string[] = ['settled', 'rejected', 'settlement-failed'];

/** Runs an upload, repeated while the verifier's guard does not know the terminal's binding key yet (401). */
export async function uploadWhenGuardReady<TResult>(
  upload: () => Promise<TResult>,
): Promise<TResult> {
  const deadline = Date.now() + revocationDelayMsStated;
  for (;;) {
    try {
      return await upload();
    } catch (error) {
      if (!isDeviceSessionError(error) || error.status !== 401 || Date.now() > deadline)
        throw error;
      await sleep(250);
    }
  }
}

/** Polls the transaction's status as its terminal sees it until it is final (settled, rejected, settlement failed). */
export async function untilFinal(
  endpoints: Endpoints,
  terminal: Terminal,
  transactionId: string,
  options: Partial<VerifierClientOptions> = {},
): Promise<TransactionStatus> {
  let status: TransactionStatus | null = null;
  await waitUntil(
    async () => {
      status = await fetchTransactionStatus(terminal.session, transactionId, {
        ...options,
        verifier: endpoints.verifier,
      });
      return status !== null && finalStatuses.includes(status.status);
    },
    finalStateWaitMs,
    () => `${transactionId} final (last: ${JSON.stringify(status)})`,
  );
  return status!;
}
