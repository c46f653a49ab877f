// The reason codes, formats, levels and purposes are shared with the frozen attestation contracts
// of libs/contracts: these tests keep them aligned and pin this library's closed list.
import {
  attestationFormats as contractFormats,
  attestationLevels as contractLevels,
  attestationRejectionReasonCodes,
  keyPurposes as contractPurposes,
} from '@settle/contracts';
import { attestationFormats, attestationLevels, keyPurposes } from './formats';
import { attestationReasonCodes } from './reason-codes';
import { attestationErrorCodes } from './errors';

describe('attestation reason codes', () => {
  it('are closed, ordered and append-only: this exact list (append new codes at the end)', () => {
    expect(attestationReasonCodes).toEqual([
      'EVIDENCE_MALFORMED',
      'FORMAT_NOT_ALLOWED',
      'CHALLENGE_MISMATCH',
      'CERTIFICATE_CHAIN_INVALID',
      'ROOT_NOT_TRUSTED',
      'PUBLIC_KEY_MISMATCH',
      'APPLICATION_ID_MISMATCH',
      'ROOT_OF_TRUST_UNVERIFIED',
      'USER_AUTHENTICATION_NOT_REQUIRED',
      'SECURITY_LEVEL_INSUFFICIENT',
      'SIGNATURE_INVALID',
      'EVIDENCE_TOO_LARGE',
      'CERTIFICATE_NOT_VALID_AT_TIME',
      'CERTIFICATE_REVOKED',
      'KEY_PURPOSE_INVALID',
      'KEY_ORIGIN_NOT_GENERATED',
      'KEY_ALGORITHM_NOT_ALLOWED',
      'NONCE_MISMATCH',
      'RP_ID_MISMATCH',
      'COUNTER_NOT_ZERO',
      'AAGUID_MISMATCH',
      'CREDENTIAL_ID_MISMATCH',
      'ORIGIN_MISMATCH',
      'REVOCATION_STATUS_LIST_STALE',
      'COUNTER_NOT_INCREASING',
    ]);
  });

  it('begin with the attestation.completed v1 codes, in their order, so that a v2 contract can append the rest', () => {
    expect(attestationReasonCodes.slice(0, attestationRejectionReasonCodes.length)).toEqual([
      ...attestationRejectionReasonCodes,
    ]);
  });

  it('name the fourteen codes the v1 contract lacks (reported: the contract needs a v2 to carry them)', () => {
    expect(
      attestationReasonCodes.filter(
        (code) => !(attestationRejectionReasonCodes as readonly string[]).includes(code),
      ),
    ).toHaveLength(14);
  });

  it('use the contracts’ formats, levels and key purposes', () => {
    expect(attestationFormats).toEqual(contractFormats);
    expect(attestationLevels).toEqual(contractLevels);
    expect(keyPurposes).toEqual(contractPurposes);
  });

  it('are separate from the thrown error codes', () => {
    expect(attestationErrorCodes).toEqual([
      'ERR_INVALID_ARGUMENT',
      'ERR_POLICY_INVALID',
      'ERR_ASSERTION_FAILED',
    ]);
  });
});
