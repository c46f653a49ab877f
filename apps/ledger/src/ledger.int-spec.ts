// The ledger service as it starts in production (its module, config and migrations), against a fresh
// PostgreSQL database: migrations, readiness, the admin guard and the audit log.
import { describeServiceShell, startTestService } from '@settle/platform/testing';
import { serviceDefinition } from './service-definition';

describeServiceShell(serviceDefinition, {
  migrations: [
    'platform/0001-admin-audit-log.sql',
    'platform/0002-rate-limits.sql',
    'platform/0003-admin-audit-refusals.sql',
    'messaging/0001-outbox-and-inbox.sql',
    'messaging/0002-inbox-processed-at-brin.sql',
    'ledger/0001-init.sql',
    'ledger/0002-accounts-journal-balances.sql',
    'ledger/0003-payouts.sql',
    'ledger/0004-maker-checker.sql',
    'ledger/0005-payout-approvals.sql',
    'ledger/0006-payouts-through-approvals.sql',
    'ledger/0007-payment-approval-time-and-replay-signals.sql',
    'ledger/0008-funding-references.sql',
    'ledger/0009-balance-checkpoints.sql',
    'ledger/0010-settlement-write-costs.sql',
  ],
});

describe('ledger service', () => {
  it('stays ready while Kafka is unreachable, and reports Kafka down', async () => {
    const withoutKafka = await startTestService(serviceDefinition, {
      env: { KAFKA_BROKERS: '127.0.0.1:1' },
    });
    try {
      const ready = await fetch(`${withoutKafka.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        ready: true,
        checks: [
          { name: 'database', status: 'up' },
          { name: 'kafka', status: 'down' },
        ],
      });
    } finally {
      await withoutKafka.stop();
    }
  });
});
