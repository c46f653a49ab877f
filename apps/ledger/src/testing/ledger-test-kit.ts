// Integration-test kit of the ledger: a running ledger on its own topics, a producer that publishes
// registry and verifier events, and a collector of everything the ledger publishes.
import { randomBytes } from 'node:crypto';
import {
  accountOpenedV1,
  type EventDefinition,
  type EventEnvelope,
  merchantOnboardedV1,
  paymentVerifiedV1,
  type PaymentVerifiedV1,
} from '@settle/contracts';
import { newEvent, requestCause } from '@settle/messaging';
import { startTopicTap } from '@settle/messaging/testing';
import { adminAuthorization, startTestService, type TestService } from '@settle/platform/testing';
import { DataSource } from 'typeorm';
import { serviceDefinition } from '../service-definition';

export interface LedgerTestKit {
  readonly test: TestService<typeof serviceDefinition.config>;
  readonly prefix: string;
  /** Everything the ledger published on its output topics (and dead letters), decoded. */
  readonly published: EventEnvelope[];
  readonly deadLetters: Array<{ reason: string; value: string }>;
  publish(envelope: EventEnvelope): Promise<void>;
  publishRaw(topic: string, key: string, value: string): Promise<void>;
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]>;
  /** An admin request as `authorization` (the test operator by default); the JSON answer. */
  admin(method: string, path: string, body?: unknown, authorization?: string): Promise<AdminAnswer>;
  stop(): Promise<void>;
}

export interface AdminAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

const outputTopics = ['ledger.entries.v1', 'payments.settlements.v1', 'ledger.account-status.v1'];

export async function startLedger(env: NodeJS.ProcessEnv = {}): Promise<LedgerTestKit> {
  const prefix = `t${randomBytes(4).toString('hex')}.`;
  const test = await startTestService(serviceDefinition, {
    env: {
      SETTLE_KAFKA_TOPIC_PREFIX: prefix,
      SETTLE_KAFKA_CREATE_TOPICS: 'true',
      SETTLE_LEDGER_UNKNOWN_ACCOUNT_RETRY_WINDOW_MS: '1500',
      ...env,
    },
  });
  const tap = await startTopicTap({ service: 'ledger', prefix, outputTopics });
  const dataSource = test.service.app.get(DataSource);
  return {
    test,
    prefix,
    published: tap.published,
    deadLetters: tap.deadLetters,
    publish: tap.publish,
    publishRaw: tap.publishRaw,
    query: (text, values) => dataSource.query(text, values),
    admin: async (method, path, body, authorization = adminAuthorization()) => {
      const response = await fetch(`${test.url}${path}`, {
        method,
        headers: {
          authorization,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    stop: async () => {
      await tap.stop();
      await test.stop();
    },
  };
}

function envelope<TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
  payload: TPayload,
  occurredAt = new Date().toISOString(),
): EventEnvelope {
  return newEvent(definition, payload, requestCause(null, occurredAt), definition.producer);
}

export function accountOpened(accountId: string, currency = 'EUR'): EventEnvelope {
  return envelope(accountOpenedV1, {
    accountId,
    holderDisplayName: 'Test Holder',
    currency,
    openedAt: new Date().toISOString(),
  });
}

export function merchantOnboarded(
  merchantId: string,
  settlementCurrency = 'EUR',
  timeZone = 'UTC',
): EventEnvelope {
  return envelope(merchantOnboardedV1, {
    merchantId,
    displayName: 'Test Shop',
    categoryCode: '5411',
    settlementCurrency,
    timeZone,
    onboardedAt: new Date().toISOString(),
  });
}

export function paymentVerified(
  fields: Partial<PaymentVerifiedV1> &
    Pick<PaymentVerifiedV1, 'consumerAccountId' | 'merchantId' | 'amount'>,
  occurredAt?: string,
): EventEnvelope {
  const now = new Date().toISOString();
  return envelope(
    paymentVerifiedV1,
    {
      transactionId: `txn_${randomBytes(8).toString('hex')}`,
      consumerDeviceId: 'dev_1',
      terminalId: 'ter_1',
      currency: 'EUR',
      approvedAt: now,
      deviceCounter: '1',
      feeInputs: { merchantCategoryCode: '5411', channel: 'offline-sound' },
      verifiedAt: now,
      ...fields,
    },
    occurredAt,
  );
}

export function uniqueId(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export { waitFor } from '@settle/messaging/testing';
