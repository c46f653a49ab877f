// The verifier's verification step alone (no I/O), next to the raw two-signature rate, over the same
// transactions in one thread: what the payment.uploaded consumer does per transaction once its facts
// are read — decode the stored bytes, both signatures, every risk rule (decideVerifyPayment).
import {
  decodeOfflineTransaction,
  formatTransactionId,
  protocolPublicKey,
  unwrapProtocolResult,
} from '@settle/protocol';
import { type PublicJwk } from '@settle/crypto';
import { keyLifecycle, type TestSigningKey } from '../apps/verifier/src/testing/payment-world';
import {
  type CheckIn,
  checkInProjectionGraceMs,
  decideVerifyPayment,
  type VerificationKey,
} from '../apps/verifier/src/verify-payment/verify-payment.decider';
import { type SignedWorkload } from './verifier.bench';

const roundMs = 1_500;
const rounds = 5;
const dayMs = 24 * 3_600_000;

export interface StepResult {
  readonly rawPairPerSecond: number;
  readonly verificationStepPerSecond: number;
  readonly rounds: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function verificationKey(
  key: TestSigningKey,
  owner: { kind: 'device' | 'terminal'; id: string },
): VerificationKey {
  const event = keyLifecycle(owner, 'payment', key.publicJwk as PublicJwk);
  return {
    keyId: key.keyId,
    owner,
    purpose: 'payment',
    publicKey: protocolPublicKey(key.publicJwk as Parameters<typeof protocolPublicKey>[0]),
    history: event.history,
  };
}

/** Decides every transaction of the workload for `durationMs`, facts prepared beforehand (as the consumer's batch reads leave them). */
function stepRate(workload: SignedWorkload, durationMs: number): number {
  const keys = new Map<string, VerificationKey>();
  for (const device of workload.devices)
    keys.set(
      device.paymentKey.keyId,
      verificationKey(device.paymentKey, { kind: 'device', id: device.deviceId }),
    );
  for (const terminal of workload.terminals)
    keys.set(
      terminal.approvalKey.keyId,
      verificationKey(terminal.approvalKey, { kind: 'terminal', id: terminal.terminalId }),
    );
  const nowMs = Date.now();
  const checkIns: CheckIn[] = [
    {
      checkedInAtMs: nowMs - 2 * dayMs,
      validUntilMs: nowMs + dayMs,
      caps: [{ currency: 'EUR', perTransactionMax: 1_000_000n, cumulativeMax: 999_999_999_999n }],
    },
  ];
  const merchantOf = new Map(
    workload.terminals.map((terminal) => [terminal.terminalId, terminal.merchantId]),
  );
  const keyIdOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
  let count = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(durationMs) * 1_000_000n;
  while (process.hrtime.bigint() < deadline) {
    for (const bytes of workload.transactions) {
      const transaction = unwrapProtocolResult(decodeOfflineTransaction(bytes));
      const consumerKey = keys.get(keyIdOf(transaction.authorization.keyId)) ?? null;
      const decision = decideVerifyPayment({
        transactionId: formatTransactionId(transaction.transactionId),
        transaction,
        uploadedAtMs: nowMs,
        deviceId: consumerKey?.owner.id ?? 'unknown',
        consumerAccountId: 'acc_bench',
        consumerKey,
        terminalKey: keys.get(keyIdOf(transaction.approval.keyId)) ?? null,
        terminalMerchantId: merchantOf.get(transaction.request.terminalId)!,
        merchantCategoryCode: '5411',
        checkIns,
        capabilityChanges: [],
        counterUsedBy: null,
        countedPayments: [],
        presentmentWindowMs: 30 * dayMs,
        decidedAtMs: nowMs,
        checkInProjectionGraceMs,
      });
      if (decision.verdict !== 'verified')
        throw new Error(`the step did not verify a valid transaction: ${JSON.stringify(decision)}`);
      count += 1;
    }
  }
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Median rates of the raw pair and the step, measured in interleaved rounds so that drift hits both alike. */
export function measureVerificationStep(
  workload: SignedWorkload,
  rawPairRate: (workload: SignedWorkload, durationMs: number) => number,
): StepResult {
  rawPairRate(workload, 300);
  stepRate(workload, 300);
  const raw: number[] = [];
  const step: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    raw.push(rawPairRate(workload, roundMs));
    step.push(stepRate(workload, roundMs));
  }
  return { rawPairPerSecond: median(raw), verificationStepPerSecond: median(step), rounds };
}
