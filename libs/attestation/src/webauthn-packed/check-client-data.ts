import { base64UrlEncode } from '@settle/crypto';
import { type Checked, passed, reject } from '../checks/rejection';

/** What the client data of a registration establishes. */
export interface CheckedClientData {
  readonly origin: string;
}

/**
 * The browser's client data (WebAuthn §7.1 steps 5–9): type `webauthn.create`; the challenge is the
 * issued one (`CHALLENGE_MISMATCH`: otherwise a replay); the origin is a configured one and the
 * ceremony did not run in a cross-origin frame (`ORIGIN_MISMATCH`: otherwise a phishing site
 * relayed the ceremony). Its hash is signed by the attestation, so checking it here is enough.
 */
export function checkClientData(
  clientDataJson: Uint8Array,
  expectedChallenge: Uint8Array,
  origins: readonly string[],
): Checked<CheckedClientData> {
  let clientData: unknown;
  try {
    clientData = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(clientDataJson));
  } catch {
    return reject('EVIDENCE_MALFORMED', 'clientDataJSON is not UTF-8 JSON');
  }
  if (typeof clientData !== 'object' || clientData === null || Array.isArray(clientData))
    return reject('EVIDENCE_MALFORMED', 'clientDataJSON is not an object');
  const { type, challenge, origin, crossOrigin } = clientData as {
    readonly [member: string]: unknown;
  };
  if (type !== 'webauthn.create')
    return reject(
      'EVIDENCE_MALFORMED',
      `client data type is ${JSON.stringify(type)}, not webauthn.create`,
    );
  if (typeof challenge !== 'string' || typeof origin !== 'string')
    return reject('EVIDENCE_MALFORMED', 'client data lacks challenge or origin');
  if (challenge !== base64UrlEncode(expectedChallenge))
    return reject(
      'CHALLENGE_MISMATCH',
      'the client data carries another challenge than the issued one',
    );
  if (!origins.includes(origin))
    return reject('ORIGIN_MISMATCH', `origin ${origin.slice(0, 100)} is not a configured origin`);
  if (crossOrigin === true)
    return reject('ORIGIN_MISMATCH', 'the ceremony ran in a cross-origin frame');
  return passed({ origin });
}
