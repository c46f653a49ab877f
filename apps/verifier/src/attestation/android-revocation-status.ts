import { Inject, Injectable } from '@nestjs/common';
import {
  AndroidRevocationStatusKeeper,
  type Clock,
  CLOCK,
  type Logger,
  PLATFORM_LOGGER,
  SERVICE_CONFIG,
  SQL_POOL,
} from '@settle/platform';
import { type Pool } from 'pg';
import { type VerifierSettings } from '../config';

/** The verifier's copy of Google's Android attestation status list, for enrolment (libs/platform keeps it fresh). */
@Injectable()
export class AndroidRevocationStatus extends AndroidRevocationStatusKeeper {
  constructor(
    @Inject(SQL_POOL) pool: Pool,
    @Inject(CLOCK) clock: Clock,
    @Inject(SERVICE_CONFIG) config: VerifierSettings,
    @Inject(PLATFORM_LOGGER) logger: Logger,
  ) {
    super(
      pool,
      clock,
      {
        table: 'verifier_android_revocation_status',
        url: config.SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_URL,
        caFile: config.SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_CA_FILE,
        refreshMs: config.SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_REFRESH_MS,
        ageMaxMs: config.SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_AGE_MAX_MS,
        urlSettingName: 'SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_URL',
      },
      logger,
    );
  }
}
