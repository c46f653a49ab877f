import { keyCustodyProvider } from '@settle/key-custody';
import { MessagingModule } from '@settle/messaging';
import { Module } from '@nestjs/common';
import { AndroidRevocationStatus } from './attestation/android-revocation-status';
import { FreshAttestation } from './attestation/fresh-attestation';
import { JwksController } from './keys/jwks.controller';
import { TokenSigner } from './keys/token-signer';
import {
  AttestationLevelsConsumer,
  RegistryProjectionConsumer,
} from './projection/registry-projection.consumer';
import { SessionSweeper } from './sessions/session-sweeper';
import { SessionHandler } from './sessions/session.handler';
import { SessionsController } from './sessions/sessions.controller';

/**
 * Composition root of the token-issuer service: its use cases, with ports bound to adapters (key
 * custody from SETTLE_KEY_CUSTODY_FILE). The platform (config, logger, DataSource, health, admin guard)
 * is provided globally by bootstrapService.
 */
@Module({
  imports: [
    MessagingModule.forService({
      consumers: [RegistryProjectionConsumer, AttestationLevelsConsumer],
    }),
  ],
  controllers: [SessionsController, JwksController],
  providers: [
    keyCustodyProvider,
    TokenSigner,
    SessionHandler,
    FreshAttestation,
    AndroidRevocationStatus,
    SessionSweeper,
  ],
})
export class TokenIssuerModule {}
