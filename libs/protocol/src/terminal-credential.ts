import { type PreparedSign1, type ProtocolSigner } from './cose';
import { type ProtocolResult, protocolResult } from './errors';
import { checkPeriod, readDisplayName, readIdentifier, readTimeMs } from './fields';
import { protocolLabels } from './labels';
import { terminalCredentialSizeMaxBytes } from './limits';
import {
  type ProtocolPublicKey,
  coseAlgorithmIdOf,
  encodeCredentialKey,
  readCoseAlgorithm,
  readCredentialKey,
} from './protocol-keys';
import {
  type ParsedSignedMap,
  type VerifySignedOptions,
  parseSignedMap,
  prepareSignedMap,
  verifySignedMap,
} from './signed-map';

/**
 * The processor's statement that a terminal belongs to a merchant, so that a phone can show the
 * merchant's verified name offline. A COSE_Sign1_Tagged by the processor's credential key whose
 * payload is `{0: "settle/terminal-credential/v1", 1: merchantId, 2: merchantDisplayName,
 * 3: terminalId, 4: terminal key alg (-7/-8), 5: terminal public key (compressed), 6: validFromMs,
 * 7: validUntilMs}`. Sent over sound in several frames.
 *
 * @example
 * ```ts
 * const credential: TerminalCredential = {
 *   merchantId: 'mer_4Fd8TnQ2bXz6Yc', merchantDisplayName: 'Café Olé', terminalId: 'trm_9Kx3PqL7vWm2Ra',
 *   terminalKey, validFromMs, validUntilMs,
 * };
 * ```
 */
export interface TerminalCredential {
  readonly merchantId: string;
  /** What the phone shows; the events' display-name rules apply (no bidirectional overrides). */
  readonly merchantDisplayName: string;
  readonly terminalId: string;
  /** The key the terminal signs merchant approvals with. */
  readonly terminalKey: ProtocolPublicKey;
  readonly validFromMs: number;
  readonly validUntilMs: number;
}

/**
 * A decoded terminal credential and the key id of the processor key that signed it.
 *
 * @example
 * ```ts
 * const { credential, issuerKeyId }: SignedTerminalCredential = result.value;
 * ```
 */
export interface SignedTerminalCredential {
  readonly credential: TerminalCredential;
  readonly issuerKeyId: Uint8Array;
}

const fieldNames = [
  'merchantId',
  'merchantDisplayName',
  'terminalId',
  'terminalKeyAlgorithm',
  'terminalPublicKey',
  'validFromMs',
  'validUntilMs',
] as const;
const structure = 'a terminal credential';

function readCredential(values: readonly unknown[]): TerminalCredential {
  const [
    merchantId,
    merchantDisplayName,
    terminalId,
    algorithm,
    publicKey,
    validFromMs,
    validUntilMs,
  ] = values;
  const alg = readCoseAlgorithm(algorithm, 'terminalKeyAlgorithm');
  const credential: TerminalCredential = {
    merchantId: readIdentifier(merchantId, 'merchantId'),
    merchantDisplayName: readDisplayName(merchantDisplayName, 'merchantDisplayName'),
    terminalId: readIdentifier(terminalId, 'terminalId'),
    terminalKey: readCredentialKey(alg, publicKey, 'terminalPublicKey'),
    validFromMs: readTimeMs(validFromMs, 'validFromMs'),
    validUntilMs: readTimeMs(validUntilMs, 'validUntilMs'),
  };
  checkPeriod(credential.validFromMs, credential.validUntilMs, 'validUntilMs');
  return credential;
}

function wireValues(credential: TerminalCredential): unknown[] {
  return [
    credential.merchantId,
    credential.merchantDisplayName,
    credential.terminalId,
    coseAlgorithmIdOf(credential.terminalKey.alg),
    encodeCredentialKey(credential.terminalKey),
    credential.validFromMs,
    credential.validUntilMs,
  ];
}

function parse(bytes: Uint8Array): ParsedSignedMap {
  return parseSignedMap(
    bytes,
    protocolLabels.terminalCredential,
    fieldNames,
    terminalCredentialSizeMaxBytes,
    structure,
  );
}

/**
 * The two-step signing of a terminal credential (the processor's key is in its key custody).
 * Throws `ProtocolError` for an invalid credential.
 *
 * @example
 * ```ts
 * import { prepareTerminalCredential } from '@settle/protocol';
 * const prepared = prepareTerminalCredential(credential, { alg: 'ES256', keyId: credentialKeyId });
 * const credentialBytes = prepared.complete(await keyCustody.sign(prepared.toBeSigned));
 * ```
 */
export function prepareTerminalCredential(
  credential: TerminalCredential,
  issuer: Pick<ProtocolSigner, 'alg' | 'keyId'>,
): PreparedSign1 {
  const values = wireValues(credential);
  readCredential(values);
  return prepareSignedMap(
    protocolLabels.terminalCredential,
    values,
    issuer,
    terminalCredentialSizeMaxBytes,
    structure,
  );
}

/**
 * Signs a terminal credential in one step with a synchronous signer.
 *
 * @example
 * ```ts
 * import { signTerminalCredential } from '@settle/protocol';
 * const credentialBytes = signTerminalCredential(credential, processorSigner);
 * ```
 */
export function signTerminalCredential(
  credential: TerminalCredential,
  signer: ProtocolSigner,
): Uint8Array {
  const prepared = prepareTerminalCredential(credential, signer);
  return prepared.complete(signer.sign(prepared.toBeSigned));
}

/**
 * Decodes a terminal credential WITHOUT verifying it (to show what arrived, or to find the key).
 *
 * @example
 * ```ts
 * import { decodeTerminalCredential } from '@settle/protocol';
 * const decoded = decodeTerminalCredential(bytes);
 * ```
 */
export function decodeTerminalCredential(
  bytes: Uint8Array,
): ProtocolResult<SignedTerminalCredential> {
  return protocolResult(() => {
    const parsed = parse(bytes);
    return { credential: readCredential(parsed.values), issuerKeyId: parsed.sign1.keyId };
  });
}

/**
 * Verifies a terminal credential with the processor's keys and returns it. Validity in time is the
 * caller's check (`validFromMs ≤ now ≤ validUntilMs`), with its own clock.
 *
 * @example
 * ```ts
 * import { verifyTerminalCredential } from '@settle/protocol';
 * const verified = verifyTerminalCredential(bytes, { processorKeys, algorithms: ['ES256'], backend: 'noble' });
 * if (verified.ok) show(verified.value.credential.merchantDisplayName);
 * ```
 */
export function verifyTerminalCredential(
  bytes: Uint8Array,
  options: VerifySignedOptions,
): ProtocolResult<SignedTerminalCredential> {
  return protocolResult(() => {
    const parsed = parse(bytes);
    const credential = readCredential(parsed.values);
    verifySignedMap(parsed, options);
    return { credential, issuerKeyId: parsed.sign1.keyId };
  });
}
