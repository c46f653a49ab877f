import { Inject, Injectable } from '@nestjs/common';
import { inTransaction, type SqlPool } from '@settle/messaging';
import { CLOCK, type Clock, SERVICE_CONFIG, SQL_POOL } from '@settle/platform';
import { loadCurrentKey, loadTerminalWithMerchant } from '../adapters/postgres/registry-store';
import { type RegistrySettings } from '../config';
import { CredentialSigner, protocolKeyOf } from '../credentials/credential-signer';
import { currentState } from '../domain/key-lifecycle';
import { parseOfflineAttestationLevels } from '../domain/offline-attestation';
import {
  decideTerminalCredential,
  type TerminalCredentialRefusal,
} from './terminal-credential.decider';

export type TerminalCredentialResult =
  | {
      readonly outcome: 'issued';
      readonly credential: Uint8Array;
      readonly issuerKeyId: string;
      readonly terminalKeyId: string;
      readonly validFrom: string;
      readonly validUntil: string;
    }
  | { readonly outcome: 'refused'; readonly code: TerminalCredentialRefusal };

/** Issues a terminal credential (merchant, terminal, its active payment key) signed by the processor's credential key. */
@Injectable()
export class TerminalCredentialHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly signer: CredentialSigner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: RegistrySettings,
  ) {}

  async issue(terminalId: string, callerOwner: string): Promise<TerminalCredentialResult> {
    const now = this.clock.now();
    const { terminal, paymentKey } = await inTransaction(this.pool, async (sql) => ({
      terminal: await loadTerminalWithMerchant(sql, terminalId),
      paymentKey: await loadCurrentKey(sql, { kind: 'terminal', id: terminalId }, 'payment'),
    }));
    const decision = decideTerminalCredential(
      {
        terminalId,
        callerOwner,
        nowMs: now.getTime(),
        validityMs: this.config.SETTLE_REGISTRY_TERMINAL_CREDENTIAL_VALIDITY_MS,
        offlineAttestationLevels: parseOfflineAttestationLevels(
          this.config.SETTLE_REGISTRY_OFFLINE_ATTESTATION_LEVELS,
        ),
      },
      {
        terminal,
        paymentKey: paymentKey && {
          keyId: paymentKey.keyId,
          state: currentState(paymentKey.history),
          attestationLevel: paymentKey.attestationLevel,
        },
      },
    );
    if (decision.outcome === 'refused') return decision;
    const signed = await this.signer.signTerminalCredential(
      {
        merchantId: terminal!.merchantId,
        merchantDisplayName: terminal!.merchantDisplayName,
        terminalId,
        terminalKey: protocolKeyOf(paymentKey!.publicKeyJwk),
        validFromMs: decision.validFromMs,
        validUntilMs: decision.validUntilMs,
      },
      now,
    );
    return {
      outcome: 'issued',
      credential: signed.bytes,
      issuerKeyId: signed.issuerKeyId,
      terminalKeyId: decision.paymentKeyId,
      validFrom: new Date(decision.validFromMs).toISOString(),
      validUntil: new Date(decision.validUntilMs).toISOString(),
    };
  }
}
