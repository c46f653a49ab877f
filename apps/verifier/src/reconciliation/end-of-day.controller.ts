import { Controller } from '@nestjs/common';

/** STUB (being written): end-of-day reports from terminals and the reconciliation report (admin). */
@Controller()
export class EndOfDayController {}
