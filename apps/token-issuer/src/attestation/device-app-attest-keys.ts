// Plain SQL over the issuer's projection (token_issuer_keys, token_issuer_attestation_levels): what the
// session-start App Attest check needs to know of a binding key and its device.
import { type SqlExecutor } from '@settle/messaging';
import { type DeviceAppAttestKey, appAttestKeysPerDeviceMax } from './app-attest-session-start';

/**
 * The attestation format of the key's accepted verdict (`attestation.completed`), or undefined when
 * none was projected — or projected before migration 0007, which added the format.
 */
export async function loadAttestationFormat(
  sql: SqlExecutor,
  keyId: string,
): Promise<string | undefined> {
  const { rows } = await sql.query<{ format: string | null }>(
    'SELECT format FROM token_issuer_attestation_levels WHERE key_id = $1',
    [keyId],
  );
  return rows[0]?.format ?? undefined;
}

/**
 * The owner's App Attest keys: its **active payment** keys whose accepted verdict is of format
 * `apple-app-attest` — the App Attest key itself (an iOS device enrols it as its payment key, and its
 * binding key as a Secure Enclave key the App Attest key vouches for; docs/attestation.md, "iOS").
 * At most {@link appAttestKeysPerDeviceMax}, in key-id order; counters not yet read (0).
 */
export async function loadAppAttestKeysOfOwner(
  sql: SqlExecutor,
  owner: { readonly kind: 'device' | 'terminal'; readonly id: string },
): Promise<DeviceAppAttestKey[]> {
  const { rows } = await sql.query<{
    key_id: string;
    public_jwk: { kty: string; crv?: string; x?: string; y?: string };
  }>(
    `SELECT k.key_id, k.public_jwk
     FROM token_issuer_keys k JOIN token_issuer_attestation_levels l ON l.key_id = k.key_id
     WHERE k.owner_kind = $1 AND k.owner_id = $2 AND k.purpose = 'payment' AND k.state = 'active' AND l.format = 'apple-app-attest'
     ORDER BY k.key_id LIMIT $3`,
    [owner.kind, owner.id, appAttestKeysPerDeviceMax],
  );
  // An App Attest key is P-256 (the verifier checked it); a row that is not is skipped, never trusted.
  return rows.flatMap(({ key_id, public_jwk: { kty, crv, x, y } }) =>
    kty === 'EC' && crv === 'P-256' && x !== undefined && y !== undefined
      ? [{ keyId: key_id, publicJwk: { kty, crv, x, y }, previousCounter: 0 }]
      : [],
  );
}
