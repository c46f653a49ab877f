import { type PreparedSign1, type ProtocolSigner } from './cose';
import { type ProtocolResult, protocolResult } from './errors';
import {
  checkPeriod,
  invalidField,
  readAmount,
  readCurrency,
  readIdentifier,
  readTimeMs,
} from './fields';
import { protocolLabels } from './labels';
import { deviceCredentialSizeMaxBytes, offlineCapsCurrenciesMax } from './limits';
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
 * Caps on offline spending in one currency, in minor units.
 *
 * @example
 * ```ts
 * const cap: OfflineCap = { currency: 'EUR', perTransactionMax: 5000n, cumulativeMax: 15000n };
 * ```
 */
export interface OfflineCap {
  readonly currency: string;
  /** No single offline payment may exceed it. */
  readonly perTransactionMax: bigint;
  /** Offline spend since the check-in the credential was issued at may not exceed it. */
  readonly cumulativeMax: bigint;
}

/**
 * The processor's statement, issued while the phone was online (at a check-in), of the device's
 * payment key and its offline allowance: a COSE_Sign1_Tagged by the processor's credential key whose
 * payload is `{0: "settle/device-credential/v1", 1: deviceId, 2: payment key alg (-7/-8),
 * 3: payment public key (compressed), 4: [[currency, perTransactionMax, cumulativeMax], …],
 * 5: checkedInAtMs, 6: validUntilMs}`. The POS checks consumer authorizations against it offline.
 *
 * @example
 * ```ts
 * const credential: DeviceCredential = {
 *   deviceId: 'dev_2Nc6RtH8yJq4Ze', paymentKey, offlineCaps: [{ currency: 'EUR', perTransactionMax: 5000n, cumulativeMax: 15000n }],
 *   checkedInAtMs, validUntilMs,
 * };
 * ```
 */
export interface DeviceCredential {
  readonly deviceId: string;
  readonly paymentKey: ProtocolPublicKey;
  /** One per currency, in ascending order of currency code; the device may pay offline in these only. */
  readonly offlineCaps: readonly OfflineCap[];
  /** The check-in the credential was issued at: the start of its validity and of the cumulative cap. */
  readonly checkedInAtMs: number;
  readonly validUntilMs: number;
}

/**
 * A decoded device credential and the key id of the processor key that signed it.
 *
 * @example
 * ```ts
 * const { credential, issuerKeyId }: SignedDeviceCredential = result.value;
 * ```
 */
export interface SignedDeviceCredential {
  readonly credential: DeviceCredential;
  readonly issuerKeyId: Uint8Array;
}

const fieldNames = [
  'deviceId',
  'paymentKeyAlgorithm',
  'paymentPublicKey',
  'offlineCaps',
  'checkedInAtMs',
  'validUntilMs',
] as const;
const structure = 'a device credential';

function readCaps(value: unknown): OfflineCap[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > offlineCapsCurrenciesMax) {
    return invalidField('offlineCaps', `must be an array of 1 to ${offlineCapsCurrenciesMax} caps`);
  }
  const caps = value.map((item: unknown, index): OfflineCap => {
    const field = `offlineCaps/${index}`;
    if (!Array.isArray(item) || item.length !== 3)
      return invalidField(field, 'must be [currency, perTransactionMax, cumulativeMax]');
    const cap = {
      currency: readCurrency(item[0], `${field}/currency`),
      perTransactionMax: readAmount(item[1], `${field}/perTransactionMax`),
      cumulativeMax: readAmount(item[2], `${field}/cumulativeMax`),
    };
    if (cap.perTransactionMax > cap.cumulativeMax)
      invalidField(`${field}/perTransactionMax`, 'must not exceed cumulativeMax');
    return cap;
  });
  // Ascending currency order: one cap per currency, and one encoding per set of caps.
  caps.forEach((cap, index) => {
    if (index > 0 && caps[index - 1]!.currency >= cap.currency)
      invalidField(`offlineCaps/${index}/currency`, 'must be unique and in ascending order');
  });
  return caps;
}

function readCredential(values: readonly unknown[]): DeviceCredential {
  const [deviceId, algorithm, publicKey, offlineCaps, checkedInAtMs, validUntilMs] = values;
  const alg = readCoseAlgorithm(algorithm, 'paymentKeyAlgorithm');
  const credential: DeviceCredential = {
    deviceId: readIdentifier(deviceId, 'deviceId'),
    paymentKey: readCredentialKey(alg, publicKey, 'paymentPublicKey'),
    offlineCaps: readCaps(offlineCaps),
    checkedInAtMs: readTimeMs(checkedInAtMs, 'checkedInAtMs'),
    validUntilMs: readTimeMs(validUntilMs, 'validUntilMs'),
  };
  checkPeriod(credential.checkedInAtMs, credential.validUntilMs, 'validUntilMs');
  return credential;
}

function wireValues(credential: DeviceCredential): unknown[] {
  return [
    credential.deviceId,
    coseAlgorithmIdOf(credential.paymentKey.alg),
    encodeCredentialKey(credential.paymentKey),
    credential.offlineCaps.map((cap) => [cap.currency, cap.perTransactionMax, cap.cumulativeMax]),
    credential.checkedInAtMs,
    credential.validUntilMs,
  ];
}

function parse(bytes: Uint8Array): ParsedSignedMap {
  return parseSignedMap(
    bytes,
    protocolLabels.deviceCredential,
    fieldNames,
    deviceCredentialSizeMaxBytes,
    structure,
  );
}

/**
 * The two-step signing of a device credential. Throws `ProtocolError` for an invalid credential.
 *
 * @example
 * ```ts
 * import { prepareDeviceCredential } from '@settle/protocol';
 * const prepared = prepareDeviceCredential(credential, { alg: 'ES256', keyId: credentialKeyId });
 * const credentialBytes = prepared.complete(await keyCustody.sign(prepared.toBeSigned));
 * ```
 */
export function prepareDeviceCredential(
  credential: DeviceCredential,
  issuer: Pick<ProtocolSigner, 'alg' | 'keyId'>,
): PreparedSign1 {
  const values = wireValues(credential);
  readCredential(values);
  return prepareSignedMap(
    protocolLabels.deviceCredential,
    values,
    issuer,
    deviceCredentialSizeMaxBytes,
    structure,
  );
}

/**
 * Signs a device credential in one step with a synchronous signer.
 *
 * @example
 * ```ts
 * import { signDeviceCredential } from '@settle/protocol';
 * const credentialBytes = signDeviceCredential(credential, processorSigner);
 * ```
 */
export function signDeviceCredential(
  credential: DeviceCredential,
  signer: ProtocolSigner,
): Uint8Array {
  const prepared = prepareDeviceCredential(credential, signer);
  return prepared.complete(signer.sign(prepared.toBeSigned));
}

/**
 * Decodes a device credential WITHOUT verifying it.
 *
 * @example
 * ```ts
 * import { decodeDeviceCredential } from '@settle/protocol';
 * const decoded = decodeDeviceCredential(bytes);
 * ```
 */
export function decodeDeviceCredential(bytes: Uint8Array): ProtocolResult<SignedDeviceCredential> {
  return protocolResult(() => {
    const parsed = parse(bytes);
    return { credential: readCredential(parsed.values), issuerKeyId: parsed.sign1.keyId };
  });
}

/**
 * Verifies a device credential with the processor's keys. Validity in time (`checkedInAtMs ≤ now ≤
 * validUntilMs`) is the caller's check, with its own clock.
 *
 * @example
 * ```ts
 * import { verifyDeviceCredential } from '@settle/protocol';
 * const verified = verifyDeviceCredential(bytes, { processorKeys, algorithms: ['ES256'], backend: 'noble' });
 * ```
 */
export function verifyDeviceCredential(
  bytes: Uint8Array,
  options: VerifySignedOptions,
): ProtocolResult<SignedDeviceCredential> {
  return protocolResult(() => {
    const parsed = parse(bytes);
    const credential = readCredential(parsed.values);
    verifySignedMap(parsed, options);
    return { credential, issuerKeyId: parsed.sign1.keyId };
  });
}
