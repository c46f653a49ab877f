import { type AttestationLevel, attestationLevels } from '@settle/contracts';
import { assert } from './assert';

/**
 * The attestation levels whose payment keys may pay (or, on a terminal, approve) offline by default:
 * keys kept in secure hardware. A `software` key is as good as its copies: a wallet whose key can be
 * cloned could spend its offline allowance on many devices at once (issue 13 §1), so a deployment
 * whose attestation policy accepts software keys (web wallets, development) still gives them no
 * offline allowance unless `SETTLE_REGISTRY_OFFLINE_ATTESTATION_LEVELS` lists `software`.
 */
export const offlineAttestationLevelsDefault: readonly AttestationLevel[] = [
  'strongbox',
  'tee',
  'secure-enclave',
];

/** The setting's pattern: one or more distinct levels separated by commas. */
export const offlineAttestationLevelsPattern = new RegExp(
  `^(${attestationLevels.join('|')})(,(${attestationLevels.join('|')}))*$`,
);

/**
 * Parses `SETTLE_REGISTRY_OFFLINE_ATTESTATION_LEVELS` (already checked against the pattern).
 *
 * @example
 * parseOfflineAttestationLevels('strongbox,tee') // ['strongbox', 'tee']
 */
export function parseOfflineAttestationLevels(value: string): readonly AttestationLevel[] {
  assert(offlineAttestationLevelsPattern.test(value), 'the configuration checked the pattern');
  const levels = value.split(',') as AttestationLevel[];
  assert(
    levels.every((level) => attestationLevels.includes(level)),
    'only known levels',
  );
  return [...new Set(levels)];
}

/**
 * May a payment key attested at `level` be trusted offline? A key without a level (never accepted
 * by the verifier) never is.
 */
export function attestationAllowsOffline(
  level: AttestationLevel | null,
  allowed: readonly AttestationLevel[],
): boolean {
  assert(allowed.length > 0, 'at least one level is configured');
  return level !== null && allowed.includes(level);
}
