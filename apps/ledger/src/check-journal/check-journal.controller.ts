import { Controller, HttpCode, HttpStatus, Inject, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AdminOnly,
  JsonSchemaValidationPipe,
  type Logger,
  PLATFORM_LOGGER,
  SERVICE_CONFIG,
  SQL_POOL,
} from '@settle/platform';
import {
  createKafkajsPort,
  kafkaTlsOptions,
  withConnection,
  type MessagingSettings,
  type SqlExecutor,
  type SqlPool,
} from '@settle/messaging';
import {
  rebuildAndCompare,
  type RebuildReport,
  verifyJournalChains,
  type VerifyChainReport,
} from './check-journal';
import { rebuildFromTopicAndCompare, type RebuildFromTopicReport } from './rebuild-from-topic';

/**
 * Operators' checks of the journal (docs/ledger.md, "Rebuild and verify-chain"). They read one
 * REPEATABLE READ snapshot of the live tables, so settlement continues while they run, and none
 * changes anything live (the rebuild from the topics writes only its own scratch schema).
 */
@ApiTags('admin')
@Controller('admin/journal')
export class CheckJournalController {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    @Inject(SERVICE_CONFIG) private readonly config: MessagingSettings,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  @Post('verify-chain')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.journal.verify-chain')
  @ApiOperation({
    summary:
      'Walks every partition’s hash chain from genesis and reports each broken partition’s first broken link.',
  })
  verifyChain(): Promise<VerifyChainReport> {
    return this.inSnapshot(verifyJournalChains);
  }

  @Post('rebuild')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.journal.rebuild', { role: 'maker' })
  @ApiOperation({
    summary:
      'Rebuilds chain heads and sub-balances from the journal into a fresh projection and compares them with the live ones.',
  })
  rebuild(): Promise<RebuildReport> {
    return this.inSnapshot(rebuildAndCompare);
  }

  @Post('rebuild-from-topic')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.journal.rebuild-from-topic', { role: 'maker' })
  @ApiOperation({
    summary:
      'Reads the registry topics, ledger.entries.v1 and payments.verified.v1 from the earliest offset (own consumer group, no commits), applies them into empty tables of a scratch schema and compares them with the live ones.',
  })
  async rebuildFromTopic(
    @Query(
      new JsonSchemaValidationPipe<{ keepSchema?: 'true' | 'false' }>({
        type: 'object',
        additionalProperties: false,
        properties: { keepSchema: { enum: ['true', 'false'] } },
      }),
    )
    query: {
      keepSchema?: 'true' | 'false';
    },
  ): Promise<RebuildFromTopicReport> {
    const kafka = createKafkajsPort({
      clientId: 'ledger-rebuild',
      brokers: this.config.KAFKA_BROKERS.split(','),
      logger: this.logger,
      ssl: kafkaTlsOptions(this.config),
    });
    return rebuildFromTopicAndCompare(this.pool, kafka, {
      topicPrefix: this.config.SETTLE_KAFKA_TOPIC_PREFIX,
      keepSchema: query.keepSchema === 'true',
    });
  }

  private inSnapshot<T>(work: (sql: SqlExecutor) => Promise<T>): Promise<T> {
    return withConnection(this.pool, async (client, markBroken) => {
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        return await work(client);
      } finally {
        await client.query('ROLLBACK').catch(markBroken);
      }
    });
  }
}
