import { bytesToHex, equalBytes } from '@settle/crypto';
import { type AttestationRejection, reject } from '../checks/rejection';

/** App Attest AAGUIDs: "appattestdevelop" and "appattest" followed by seven zero bytes. */
const appAttestAaguids = {
  development: new TextEncoder().encode('appattestdevelop'),
  production: new Uint8Array([...new TextEncoder().encode('appattest'), 0, 0, 0, 0, 0, 0, 0]),
} as const;

/**
 * The AAGUID says which App Attest environment made the key. Development keys come from builds
 * any team member can run under a debugger; production must accept production keys only.
 */
export function checkAppAttestAaguid(
  aaguid: Uint8Array,
  environment: 'production' | 'development',
): AttestationRejection | undefined {
  if (equalBytes(aaguid, appAttestAaguids[environment])) return undefined;
  return reject(
    'AAGUID_MISMATCH',
    `AAGUID ${bytesToHex(aaguid)} is not App Attest's ${environment} AAGUID`,
  );
}
