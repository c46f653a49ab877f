import { type AccessTokenClaims } from '@settle/contracts';
import { createKeyCustodyDocument, FileKeyCustody } from '@settle/key-custody';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { type TokenIssuerSettings } from '../config';
import { TokenSigner } from './token-signer';

const config = {
  SETTLE_TOKEN_ISSUER_TOKEN_TTL_MS: 300_000,
  SETTLE_TOKEN_ISSUER_CLOCK_SKEW_MS: 60_000,
  SETTLE_TOKEN_ISSUER_JWKS_PREPUBLISH_MS: 86_400_000,
} as TokenIssuerSettings;

describe('TokenSigner', () => {
  it('builds the JWS signing input itself and has custody sign it: jose accepts the token against the JWKS', async () => {
    const now = new Date();
    const custody = FileKeyCustody.fromDocument(
      createKeyCustodyDocument(
        ['token-signing', 'credential-signing'],
        new Date(now.getTime() - 60_000),
      ),
    );
    const signer = new TokenSigner(custody, config);
    const iat = Math.floor(now.getTime() / 1000);
    const claims: AccessTokenClaims = {
      iss: 'urn:settle:token-issuer',
      sub: 'dev_1',
      aud: ['settle'],
      iat,
      nbf: iat,
      exp: iat + 300,
      jti: 'j',
      sid: 'ses_1',
      cnf: { jkt: 'k' },
      att: { level: 'tee', kind: 'registration' },
      role: 'consumer-device',
      owner: 'acc_1',
    };
    const token = await signer.sign(claims, now);
    const jwks = await signer.jwks(now);
    expect(jwks.keys).toHaveLength(1);
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
      typ: 'at+jwt',
      algorithms: ['ES256'],
      currentDate: now,
    });
    expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: jwks.keys[0]!.kid });
    expect(payload).toEqual(claims);
  });

  it('fails loudly when custody holds no key that signs now', async () => {
    const custody = FileKeyCustody.fromDocument(
      createKeyCustodyDocument(['token-signing'], new Date(Date.now() + 3_600_000)),
    );
    await expect(
      new TokenSigner(custody, config).sign({} as AccessTokenClaims, new Date()),
    ).rejects.toMatchObject({ code: 'ERR_NO_SIGNING_KEY' });
  });
});
