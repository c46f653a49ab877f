import { Controller } from '@nestjs/common';

/** STUB (being written): POST /v1/uploads. */
@Controller('v1/uploads')
export class UploadsController {}
