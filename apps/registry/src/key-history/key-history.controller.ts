import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type SqlPool } from '@settle/messaging';
import { AdminOnly, JsonSchemaValidationPipe, SQL_POOL } from '@settle/platform';
import { notFound } from '../adapters/admin-problems';
import { keyIdParam } from '../adapters/http-schemas';
import { keyPayload, loadKeys } from '../adapters/postgres/registry-store';

/** A key with its whole history for an operator: one read, so no handler of its own. Audited by @AdminOnly. */
@ApiTags('admin')
@Controller('admin')
export class KeyHistoryController {
  constructor(@Inject(SQL_POOL) private readonly pool: SqlPool) {}

  @Get('keys/:keyId')
  @AdminOnly('registry.admin.key.read')
  @ApiOperation({ summary: 'A key with its whole lifecycle history.' })
  async key(@Param('keyId', new JsonSchemaValidationPipe(keyIdParam)) keyId: string) {
    const [key] = await loadKeys(this.pool, [keyId], false);
    if (!key) throw notFound(`Key ${keyId}`, 'keyId');
    return keyPayload(key);
  }
}
