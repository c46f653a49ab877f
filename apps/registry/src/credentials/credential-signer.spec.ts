import { protocolPublicKey, verifyTerminalCredential } from '@settle/protocol';
import { generateKeyPair } from '@settle/crypto';
import { createKeyCustodyDocument, FileKeyCustody } from '@settle/key-custody';
import { ProblemException } from '@settle/platform';
import { type RegistrySettings } from '../config';
import { CredentialSigner } from './credential-signer';

const now = new Date('2026-11-28T08:00:00.000Z');
const dayMs = 24 * 3_600_000;
const config = {
  SETTLE_REGISTRY_DEVICE_CREDENTIAL_VALIDITY_MS: dayMs,
  SETTLE_REGISTRY_TERMINAL_CREDENTIAL_VALIDITY_MS: 30 * dayMs,
  SETTLE_REGISTRY_CREDENTIAL_KEY_PREPUBLISH_MS: 7 * dayMs,
} as RegistrySettings;
const credential = {
  merchantId: 'mer_4Fd8TnQ2bXz6Yc',
  merchantDisplayName: 'Café Olé',
  terminalId: 'trm_9Kx3PqL7vWm2Ra',
  terminalKey: protocolPublicKey(generateKeyPair('ES256').publicJwk),
  validFromMs: now.getTime(),
  validUntilMs: now.getTime() + 30 * dayMs,
};

describe('CredentialSigner', () => {
  it('signs with the active credential key and names it by its thumbprint in the COSE kid', async () => {
    const older = createKeyCustodyDocument(
      ['credential-signing'],
      new Date(now.getTime() - 60 * dayMs),
    ).keys[0]!;
    const current = createKeyCustodyDocument(
      ['credential-signing'],
      new Date(now.getTime() - dayMs),
    ).keys[0]!;
    const custody = FileKeyCustody.fromDocument({ keys: [older, current] });
    const signer = new CredentialSigner(custody, config);
    const signed = await signer.signTerminalCredential(credential, now);
    const published = await signer.publishedKeys(now);
    // The older key stopped signing a day ago: still published while its 30-day credentials live.
    expect(published).toHaveLength(2);
    const verified = verifyTerminalCredential(signed.bytes, {
      processorKeys: published.map((key) => protocolPublicKey(key.publicJwk)),
      algorithms: ['ES256'],
      backend: 'native',
    });
    expect(verified.ok && Buffer.from(verified.value.issuerKeyId).toString('base64url')).toBe(
      signed.issuerKeyId,
    );
    expect(signed.issuerKeyId).toBe(published[1]!.kid);
  });

  it('answers 503 CREDENTIAL_KEY_UNAVAILABLE when custody has no active credential key', async () => {
    const onlyTokenKeys = FileKeyCustody.fromDocument(
      createKeyCustodyDocument(['token-signing'], now),
    );
    const refusal = new CredentialSigner(onlyTokenKeys, config).signTerminalCredential(
      credential,
      now,
    );
    await expect(refusal).rejects.toBeInstanceOf(ProblemException);
    await expect(refusal).rejects.toMatchObject({
      problem: { status: 503, code: 'CREDENTIAL_KEY_UNAVAILABLE' },
    });
  });
});
