import { attestationReasonCodes } from '@settle/attestation';
import { attestationRejectionReasonCodes } from '@settle/contracts';
import { v1ReasonCodeOf } from './reason-codes';

describe('v1ReasonCodeOf', () => {
  it('maps every v1 code to itself (the library’s first eleven codes are v1’s, in its order)', () => {
    expect(attestationReasonCodes.slice(0, attestationRejectionReasonCodes.length)).toEqual([
      ...attestationRejectionReasonCodes,
    ]);
    for (const code of attestationRejectionReasonCodes) expect(v1ReasonCodeOf[code]).toBe(code);
  });

  it('maps every newer library code to the nearest v1 code, as docs/attestation.md says', () => {
    const newer = Object.fromEntries(
      attestationReasonCodes
        .slice(attestationRejectionReasonCodes.length)
        .map((code) => [code, v1ReasonCodeOf[code]]),
    );
    expect(newer).toEqual({
      EVIDENCE_TOO_LARGE: 'EVIDENCE_MALFORMED',
      CERTIFICATE_NOT_VALID_AT_TIME: 'CERTIFICATE_CHAIN_INVALID',
      CERTIFICATE_REVOKED: 'CERTIFICATE_CHAIN_INVALID',
      KEY_PURPOSE_INVALID: 'SECURITY_LEVEL_INSUFFICIENT',
      KEY_ORIGIN_NOT_GENERATED: 'SECURITY_LEVEL_INSUFFICIENT',
      KEY_ALGORITHM_NOT_ALLOWED: 'PUBLIC_KEY_MISMATCH',
      NONCE_MISMATCH: 'CHALLENGE_MISMATCH',
      RP_ID_MISMATCH: 'APPLICATION_ID_MISMATCH',
      COUNTER_NOT_ZERO: 'EVIDENCE_MALFORMED',
      AAGUID_MISMATCH: 'APPLICATION_ID_MISMATCH',
      CREDENTIAL_ID_MISMATCH: 'PUBLIC_KEY_MISMATCH',
      ORIGIN_MISMATCH: 'APPLICATION_ID_MISMATCH',
      REVOCATION_STATUS_LIST_STALE: 'CERTIFICATE_CHAIN_INVALID',
      COUNTER_NOT_INCREASING: 'EVIDENCE_MALFORMED',
    });
  });

  it('has an entry for exactly the library’s codes, each a v1 code', () => {
    expect(Object.keys(v1ReasonCodeOf).sort()).toEqual([...attestationReasonCodes].sort());
    for (const mapped of Object.values(v1ReasonCodeOf))
      expect(attestationRejectionReasonCodes).toContain(mapped);
  });
});
