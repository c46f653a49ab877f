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
import { type TokenIssuerSettings } from '../config';

/**
 * The token issuer's copy of Google's Android attestation status list, for fresh attestation at session
 * start (libs/platform keeps it fresh, as the verifier's); fetched only where an Android policy is configured.
 */
@Injectable()
export class AndroidRevocationStatus extends AndroidRevocationStatusKeeper {
  constructor(
    @Inject(SQL_POOL) pool: Pool,
    @Inject(CLOCK) clock: Clock,
    @Inject(SERVICE_CONFIG) config: TokenIssuerSettings,
    @Inject(PLATFORM_LOGGER) logger: Logger,
  ) {
    super(
      pool,
      clock,
      {
        table: 'token_issuer_android_revocation_status',
        url: config.SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_URL,
        caFile: config.SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_CA_FILE,
        refreshMs: config.SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_REFRESH_MS,
        ageMaxMs: config.SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_AGE_MAX_MS,
        urlSettingName: 'SETTLE_TOKEN_ISSUER_ANDROID_REVOCATION_LIST_URL',
        needed: config.SETTLE_TOKEN_ISSUER_ANDROID_ATTESTATION_POLICY_FILE !== '',
      },
      logger,
    );
  }
}
