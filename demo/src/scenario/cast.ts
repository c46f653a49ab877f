// The demo's cast: a merchant with terminals, a second merchant (whose name a tampered terminal puts
// in a request), consumers with one phone each, plus two phones for the attacks — a lost one (its key
// revoked while it is offline) and one with a small cumulative cap. Every key is attested; every
// wallet is funded; the merchant gets a fee schedule.
import { type Progress } from '../progress/progress';
import {
  type Endpoints,
  expectStatus,
  type KeyAttestor,
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
} from '../world';
import { type ScenarioCounts } from './model';

/** Enrolments at once (each mostly waits on Kafka round trips, not on the CPU). */
export const enrolmentsInParallelMax = 4;
/** An honest phone's per-payment cap (minor units, EUR); honest amounts stay below it. */
export const perTransactionMax = 2_500n;
/** The capped phone's cumulative cap: two payments of 2,000 fit, a third does not. */
export const cappedCumulativeMax = 5_000n;
/** The merchant's fee: floor(amount × 150 / 10,000) + 10 (docs/ledger.md). */
export const feeSchedule = { basisPoints: 150, fixedMinorUnits: 10n } as const;

export const feeOf = (amount: bigint) =>
  (amount * BigInt(feeSchedule.basisPoints)) / 10_000n + feeSchedule.fixedMinorUnits;

export interface Cast {
  readonly merchant: { readonly merchantId: string; readonly displayName: string };
  readonly otherMerchantId: string;
  readonly terminals: readonly Terminal[];
  /** The honest consumers' phones, one account each. */
  readonly phones: readonly Phone[];
  /** The second phone of the first consumer: reported lost, its key revoked, it still pays offline. */
  readonly lostPhone: Phone;
  /** A phone of the second consumer's account whose cumulative cap is small. */
  readonly cappedPhone: Phone;
  /** Each account's funding (minor units). */
  readonly funded: ReadonlyMap<string, bigint>;
}

/** The honest phones' cumulative cap: room for every payment the run gives one phone. */
export function honestCumulativeMax(counts: ScenarioCounts): bigint {
  return BigInt(
    Math.max(30_000, Math.ceil(counts.payments / counts.phones) * Number(perTransactionMax)),
  );
}

const limitsOf = (cumulativeMax: bigint): OfflineLimit[] => [
  {
    currency: 'EUR',
    perTransactionMax: String(perTransactionMax),
    cumulativeMax: String(cumulativeMax),
  },
];

/** Onboards, enrols and funds the cast; `progress` advances per party and per funding. */
export async function enrolCast(
  endpoints: Endpoints,
  attestor: KeyAttestor,
  counts: ScenarioCounts,
  progress: Progress,
): Promise<Cast> {
  const runId = uniqueId('demo').slice(5);
  const merchant = { merchantId: `mer_demo_${runId}`, displayName: 'Demo Coffee Bar' };
  const otherMerchantId = `mer_other_${runId}`;
  for (const [merchantId, displayName] of [
    [merchant.merchantId, merchant.displayName],
    [otherMerchantId, 'Another Shop'],
  ] as const) {
    expectStatus(
      await registryAdmin(endpoints, 'POST', '/admin/merchants', {
        merchantId,
        displayName,
        categoryCode: '5814',
        settlementCurrency: 'EUR',
        timeZone: 'Europe/Zurich',
      }),
      200,
      `onboard ${merchantId}`,
    );
  }
  const accountIds = Array.from(
    { length: counts.phones },
    (_, index) => `acc_demo_${runId}_${index + 1}`,
  );
  for (const [index, accountId] of accountIds.entries()) {
    expectStatus(
      await registryAdmin(endpoints, 'POST', '/admin/accounts', {
        accountId,
        holderDisplayName: `Consumer ${index + 1}`,
        currency: 'EUR',
      }),
      200,
      `open ${accountId}`,
    );
  }
  const honestLimits = limitsOf(honestCumulativeMax(counts));
  type Party = { kind: 'terminal' } | { kind: 'phone'; accountId: string; limits: OfflineLimit[] };
  const parties: Party[] = [
    ...Array.from({ length: counts.terminals }, (): Party => ({ kind: 'terminal' })),
    ...accountIds.map((accountId): Party => ({ kind: 'phone', accountId, limits: honestLimits })),
    { kind: 'phone', accountId: accountIds[0]!, limits: honestLimits },
    {
      kind: 'phone',
      accountId: accountIds[1] ?? accountIds[0]!,
      limits: limitsOf(cappedCumulativeMax),
    },
  ];
  const enrolled = await mapConcurrently(parties, enrolmentsInParallelMax, async (party) => {
    const made =
      party.kind === 'terminal'
        ? await newTerminal(endpoints, merchant.merchantId, attestor)
        : await newPhone(endpoints, party.accountId, party.limits, attestor);
    progress.advance();
    return made;
  });
  const terminals = enrolled.slice(0, counts.terminals) as Terminal[];
  const phones = enrolled.slice(counts.terminals) as Phone[];
  const cappedPhone = phones.pop()!;
  const lostPhone = phones.pop()!;

  const funded = new Map<string, bigint>();
  const funding = honestCumulativeMax(counts) + 10_000n;
  for (const accountId of accountIds) {
    await fund(endpoints, accountId, funding);
    funded.set(accountId, funding);
    progress.advance();
  }
  await waitUntil(
    async () =>
      (
        await ledgerAdmin(
          endpoints,
          'GET',
          `/admin/accounts/payable_${merchant.merchantId}/balance`,
        )
      ).status === 200,
    kafkaWaitMs,
    'the ledger knows the merchant',
  );
  const schedule = {
    basisPoints: feeSchedule.basisPoints,
    fixedMinorUnits: String(feeSchedule.fixedMinorUnits),
    effectiveFrom: null,
  };
  expectStatus(
    await ledgerAdmin(
      endpoints,
      'POST',
      `/admin/merchants/${merchant.merchantId}/fee-schedules`,
      schedule,
    ),
    201,
    'fee schedule',
  );
  progress.advance();
  return { merchant, otherMerchantId, terminals, phones, lostPhone, cappedPhone, funded };
}

/** Steps {@link enrolCast} reports to its progress. */
export function enrolmentSteps(counts: ScenarioCounts): number {
  return counts.terminals + counts.phones + 2 + counts.phones + 1;
}

/** Tops up a wallet once the ledger knows the account (it learns it from the registry's events). */
export async function fund(endpoints: Endpoints, accountId: string, amount: bigint): Promise<void> {
  const body = {
    clientKey: uniqueId('fund'),
    consumerAccountId: accountId,
    amount: String(amount),
    currency: 'EUR',
    externalReference: uniqueId('transfer'),
  };
  let last = { status: 0, body: {} as Record<string, unknown> };
  await waitUntil(
    async () =>
      (last = await ledgerAdmin(endpoints, 'POST', '/admin/fundings', body)).status === 200,
    kafkaWaitMs,
    () => `the wallet of ${accountId} funded (last: ${last.status} ${JSON.stringify(last.body)})`,
  );
  if (last.body['outcome'] !== 'posted')
    throw new Error(`funding ${accountId}: ${JSON.stringify(last.body)}`);
}

/** Reports the lost phone: the operator revokes its payment key while the phone is offline. */
export async function revokeLostPhone(endpoints: Endpoints, lostPhone: Phone): Promise<void> {
  const revoked = expectStatus(
    await registryAdmin(endpoints, 'POST', `/admin/keys/${lostPhone.paymentKeyId}/revoke`, {
      reason: 'device-lost',
    }),
    200,
    'revoke the lost phone’s key',
  );
  if ((revoked.body['key'] as { state?: string } | undefined)?.state !== 'revoked')
    throw new Error(`the lost phone's key is not revoked: ${JSON.stringify(revoked.body)}`);
}
