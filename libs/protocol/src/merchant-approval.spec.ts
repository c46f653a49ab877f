import fc from 'fast-check';
import { signatureBackends } from '@settle/crypto';
import { decodeMerchantApproval, signMerchantApproval, verifyMerchantApproval } from './index';
import { readProtocolFixture, testPublicKey, testSigner } from './testing/protocol-fixtures';

const authorizationBytes = readProtocolFixture('consumer-authorization');
const approvalBytes = readProtocolFixture('merchant-approval');
const options = {
  authorizationBytes,
  terminalKey: testPublicKey('terminal'),
  algorithms: ['ES256'] as const,
  backend: 'native' as const,
};

describe('merchant approval', () => {
  it.each(signatureBackends)(
    'verifies over the authorization bytes on the %s back end',
    (backend) => {
      expect(verifyMerchantApproval(approvalBytes, { ...options, backend })).toMatchObject({
        ok: true,
        value: { alg: 'ES256', approvedAtMs: Date.parse('2026-11-28T07:41:12.517Z') },
      });
    },
  );

  it('does not verify over another authorization, or with the consumer key', () => {
    const other = readProtocolFixture('consumer-authorization.ed25519');
    expect(
      verifyMerchantApproval(approvalBytes, { ...options, authorizationBytes: other }),
    ).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
    expect(
      verifyMerchantApproval(approvalBytes, {
        ...options,
        terminalKey: testPublicKey('deviceEs256'),
      }),
    ).toMatchObject({ ok: false, code: 'KEY_ID_MISMATCH' });
  });

  it('is not a consumer authorization: the consumer key cannot pass its signature off as an approval', () => {
    const approvalByDevice = signMerchantApproval(
      { authorizationBytes, approvedAtMs: 1 },
      testSigner('deviceEs256'),
    );
    expect(decodeMerchantApproval(approvalByDevice).ok).toBe(true);
    expect(decodeMerchantApproval(authorizationBytes)).toMatchObject({
      ok: false,
      code: 'FIELD_UNKNOWN',
    });
  });

  it('property: any single-byte corruption of the approval or of the authorization it covers fails verification', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.nat(200),
        fc.integer({ min: 1, max: 255 }),
        (inApproval, position, delta) => {
          const target = (inApproval ? approvalBytes : authorizationBytes).slice();
          target[position % target.length] = target[position % target.length]! ^ delta;
          const result = inApproval
            ? verifyMerchantApproval(target, options)
            : verifyMerchantApproval(approvalBytes, { ...options, authorizationBytes: target });
          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
