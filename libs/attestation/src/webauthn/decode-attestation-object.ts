import { isBytes } from '@settle/crypto/encoding/bytes';
import { cborMapWithKeys, decodeThirdPartyCbor } from '../checks/decode-cbor-evidence';
import { type Checked, passed, reject } from '../checks/rejection';

/** A WebAuthn / App Attest attestation object (WebAuthn §6.5): `fmt`, `attStmt`, `authData`. */
export interface AttestationObject {
  readonly attestationStatement: ReadonlyMap<string, unknown>;
  readonly authenticatorData: Uint8Array;
}

/**
 * Decodes an attestation object of the expected `fmt`. The authenticator (or Apple) encoded it, so
 * it is decoded for well-formedness, in any map key order (`decodeThirdPartyCbor`): some clients put
 * `authData` before `fmt`, which RFC 8949 allows. Anything else is `EVIDENCE_MALFORMED`.
 */
export function decodeAttestationObject(
  bytes: Uint8Array,
  expectedFmt: string,
  statementKeys: { readonly required: readonly string[]; readonly optional?: readonly string[] },
): Checked<AttestationObject> {
  const decoded = decodeThirdPartyCbor(bytes, 'the attestation object');
  if (!decoded.ok) return decoded;
  const object = cborMapWithKeys(decoded.value, 'the attestation object', [
    'fmt',
    'attStmt',
    'authData',
  ]);
  if (!object.ok) return object;
  const fmt = object.value.get('fmt');
  if (fmt !== expectedFmt)
    return reject(
      'EVIDENCE_MALFORMED',
      `the attestation object's fmt is ${JSON.stringify(fmt)}, not ${expectedFmt}`,
    );
  const statement = cborMapWithKeys(
    object.value.get('attStmt'),
    'attStmt',
    statementKeys.required,
    statementKeys.optional,
  );
  if (!statement.ok) return statement;
  const authenticatorData = object.value.get('authData');
  if (!isBytes(authenticatorData))
    return reject('EVIDENCE_MALFORMED', 'authData is not a byte string');
  return passed({ attestationStatement: statement.value, authenticatorData });
}
