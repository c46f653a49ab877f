// The parties of a load run, made with the demo world's own steps (registry admin API, enrolment,
// bound sessions, check-in, funding): one merchant with T terminals, P consumer accounts with one phone
// each, every wallet funded and every phone's offline caps high enough for the whole run.
import {
  type Endpoints,
  expectStatus,
  feeSchedule,
  fund,
  kafkaWaitMs,
  ledgerAdmin,
  mapConcurrently,
  newPhone,
  newTerminal,
  type OfflineLimit,
  type Phone,
  registryAdmin,
  type Terminal,
  uniqueId,
  waitUntil,
} from '@settle/demo';

/** Enrolments at once: each mostly waits on Kafka round trips (key activation, projections). */
export const loadEnrolmentsInParallel = 4;
/** A phone's per-payment cap (minor units, EUR); the load's amounts stay below it. */
export const loadPerTransactionMax = 2_500n;

/**
 * What the stack of a load run needs (ServiceStackOptions.envOf): a phone's cumulative cap covers all
 * its payments of the run, far above the amount past which the registry wants a second operator, and
 * the ledger posts the fundings without a checker (docs/ledger.md, "Maker–checker").
 */
export const loadStackEnvOf = {
  registry: { SETTLE_REGISTRY_LIMIT_APPROVAL_THRESHOLD: '1000000000000' },
  // A load run funds every wallet generously, one operator alone: no funding waits for a checker.
  ledger: {
    SETTLE_LEDGER_SECOND_OPERATOR_ABOVE_MINOR: '1000000000000000',
    SETTLE_LEDGER_OPERATOR_WINDOW_LIMIT_MINOR: '1000000000000000',
    SETTLE_LEDGER_ACCOUNT_WINDOW_LIMIT_MINOR: '1000000000000000',
  },
} as const;

export interface LoadOnboarding {
  readonly terminals: number;
  readonly phones: number;
  /** Most payments one phone will make in the run: sets its cumulative cap and its funding. */
  readonly paymentsPerPhoneMax: number;
}

export interface LoadWorld {
  readonly merchantId: string;
  readonly terminals: readonly Terminal[];
  /** One per consumer account. */
  readonly phones: readonly Phone[];
  /** Each account's funding (minor units). */
  readonly funded: ReadonlyMap<string, bigint>;
}

/** Onboards the merchant (with the demo's fee schedule), the terminals and the phones; funds every wallet. The stack must run with {@link loadStackEnvOf}. */
export async function onboardLoad(
  endpoints: Endpoints,
  options: LoadOnboarding,
): Promise<LoadWorld> {
  const runId = uniqueId('load').slice(5);
  const merchantId = `mer_load_${runId}`;
  expectStatus(
    await registryAdmin(endpoints, 'POST', '/admin/merchants', {
      merchantId,
      displayName: 'Load Café',
      categoryCode: '5814',
      settlementCurrency: 'EUR',
      timeZone: 'Europe/Zurich',
    }),
    200,
    `onboard ${merchantId}`,
  );
  const accountIds = Array.from(
    { length: options.phones },
    (_, index) => `acc_load_${runId}_${index + 1}`,
  );
  for (const accountId of accountIds) {
    expectStatus(
      await registryAdmin(endpoints, 'POST', '/admin/accounts', {
        accountId,
        holderDisplayName: `Load consumer ${accountId}`,
        currency: 'EUR',
      }),
      200,
      `open ${accountId}`,
    );
  }
  const cumulativeMax = loadPerTransactionMax * BigInt(options.paymentsPerPhoneMax);
  const limits: OfflineLimit[] = [
    {
      currency: 'EUR',
      perTransactionMax: String(loadPerTransactionMax),
      cumulativeMax: String(cumulativeMax),
    },
  ];
  const terminals = await mapConcurrently(
    Array.from({ length: options.terminals }),
    loadEnrolmentsInParallel,
    () => newTerminal(endpoints, merchantId),
  );
  const phones = await mapConcurrently(accountIds, loadEnrolmentsInParallel, (accountId) =>
    newPhone(endpoints, accountId, limits),
  );

  const funding = cumulativeMax + 10_000n;
  await mapConcurrently(accountIds, loadEnrolmentsInParallel, (accountId) =>
    fund(endpoints, accountId, funding),
  );
  await waitUntil(
    async () =>
      (await ledgerAdmin(endpoints, 'GET', `/admin/accounts/payable_${merchantId}/balance`))
        .status === 200,
    kafkaWaitMs,
    'the ledger knows the merchant',
  );
  const schedule = {
    basisPoints: feeSchedule.basisPoints,
    fixedMinorUnits: String(feeSchedule.fixedMinorUnits),
    effectiveFrom: null,
  };
  expectStatus(
    await ledgerAdmin(endpoints, 'POST', `/admin/merchants/${merchantId}/fee-schedules`, schedule),
    201,
    'fee schedule',
  );
  return {
    merchantId,
    terminals,
    phones,
    funded: new Map(accountIds.map((accountId) => [accountId, funding])),
  };
}
