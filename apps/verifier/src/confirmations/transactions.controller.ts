import { Controller } from '@nestjs/common';

/** STUB (being written): transaction status and confirmations for terminals and phones, receipt keys. */
@Controller('v1')
export class TransactionsController {}
