import { type PreparedSign1, parseSign1 } from '../cose';
import {
  type DeviceCredential,
  type OfflineCap,
  decodeDeviceCredential,
  prepareDeviceCredential,
  verifyDeviceCredential,
} from '../device-credential';
import {
  type ProtocolFailure,
  type ProtocolResult,
  ProtocolError,
  protocolResult,
} from '../errors';
import {
  invalidField,
  readAmount,
  readCurrency,
  readDisplayName,
  readIdentifier,
  readTimeMs,
  readUnsigned,
} from '../fields';
import {
  deviceCredentialSizeMaxBytes,
  offlineCapsCurrenciesMax,
  protocolTimeMsMax,
  terminalCredentialSizeMaxBytes,
} from '../limits';
import { type ProtocolPublicKey, encodeCredentialKey, readCredentialKey } from '../protocol-keys';
import { type VerifySignedOptions } from '../signed-map';
import {
  type TerminalCredential,
  decodeTerminalCredential,
  prepareTerminalCredential,
  verifyTerminalCredential,
} from '../terminal-credential';
import {
  decodeSoundForm,
  decodeSoundTime,
  encodeSoundForm,
  encodeSoundTime,
  keyIdHasPrefix,
} from './sound-form-codec';
import {
  soundFormTags,
  soundKeyIdPrefixLengthBytes,
  soundSignatureLengthBytes,
  soundTimeLengthBytes,
} from './sound-form-limits';

// The credentials' sound forms:
//   03 ‖ issuer key id prefix (4) ‖ signature (64) ‖ validFromMs (6) ‖ CBOR [merchantId, merchantDisplayName, terminalId, terminal key, validForMs]
//   04 ‖ issuer key id prefix (4) ‖ signature (64) ‖ checkedInAtMs (6) ‖ CBOR [deviceId, payment key, [[currency, perTransactionMax, cumulativeMax], …], validForMs]
// Left out of the signed form: the label (the tag says it), the COSE framing, the algorithms (the
// key's length says it: 33 bytes a compressed P-256 point, 32 an Ed25519 one; the processor key the
// prefix names gives its own), the processor's full key id, and the end of validity as an absolute
// time (a duration instead). Keys were already compressed in the signed form.

const credentialLayout = [
  soundKeyIdPrefixLengthBytes,
  soundSignatureLengthBytes,
  soundTimeLengthBytes,
] as const;
/** Stands in for the processor key while a decoded credential is checked (the checks never read it). */
const placeholderIssuer = { alg: 'ES256', keyId: new Uint8Array(32) } as const;

/**
 * A credential's sound form, decoded: the credential (checked as its signed form is), and what the
 * processor's signature needs.
 *
 * @example
 * ```ts
 * const { credential, issuerKeyIdPrefix }: CredentialSoundForm<TerminalCredential> = decoded.value;
 * ```
 */
export interface CredentialSoundForm<TCredential> {
  readonly credential: TCredential;
  readonly issuerKeyIdPrefix: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * A credential expanded from its sound form and verified: the signed form (exactly as the processor
 * issued it), the credential and the processor key id.
 *
 * @example
 * ```ts
 * const { credentialBytes, credential }: VerifiedCredentialSoundForm<DeviceCredential> = verified.value;
 * ```
 */
export interface VerifiedCredentialSoundForm<TCredential> {
  readonly credentialBytes: Uint8Array;
  readonly credential: TCredential;
  readonly issuerKeyId: Uint8Array;
}

function readKey(value: unknown, field: string): ProtocolPublicKey {
  if (value instanceof Uint8Array && value.length === 33)
    return readCredentialKey('ES256', value, field);
  if (value instanceof Uint8Array && value.length === 32)
    return readCredentialKey('EdDSA', value, field);
  return invalidField(field, 'must be a 33-byte compressed P-256 point or a 32-byte Ed25519 point');
}

function readDuration(startMs: number, value: unknown, field: string): number {
  const durationMs = readUnsigned(value, field, BigInt(protocolTimeMsMax));
  return readTimeMs(startMs + Number(durationMs), field);
}

function signatureOf(bytes: Uint8Array, sizeMaxBytes: number, structure: string): Uint8Array {
  return parseSign1(bytes, { detached: false, extraLabels: [], sizeMaxBytes, structure }).signature;
}

function throwFailure(result: ProtocolFailure): never {
  throw new ProtocolError(result.code, result.field, result.message, { cause: result });
}

/**
 * Tries every processor key whose id starts with the prefix: expands with it and verifies. A
 * collision costs one more verification; only the signing key verifies.
 */
function verifyWithCandidates<TCredential>(
  decoded: CredentialSoundForm<TCredential>,
  options: VerifySignedOptions,
  prepare: (credential: TCredential, issuer: ProtocolPublicKey) => PreparedSign1,
  verify: (
    bytes: Uint8Array,
    options: VerifySignedOptions,
  ) => ProtocolResult<{ credential: TCredential; issuerKeyId: Uint8Array }>,
): ProtocolResult<VerifiedCredentialSoundForm<TCredential>> {
  const candidates = options.processorKeys.filter((key) =>
    keyIdHasPrefix(key.keyId, decoded.issuerKeyIdPrefix),
  );
  if (candidates.length === 0)
    return {
      ok: false,
      code: 'KEY_NOT_FOUND',
      field: 'issuerKeyIdPrefix',
      message: 'no known processor key has this key id prefix',
    };
  let failure: ProtocolFailure | undefined;
  for (const issuer of candidates) {
    const expanded = protocolResult(() =>
      prepare(decoded.credential, issuer).complete(decoded.signature),
    );
    if (!expanded.ok) return expanded;
    const verified = verify(expanded.value, { ...options, processorKeys: [issuer] });
    if (verified.ok)
      return {
        ok: true,
        value: {
          credentialBytes: expanded.value,
          credential: verified.value.credential,
          issuerKeyId: verified.value.issuerKeyId,
        },
      };
    failure = verified;
  }
  return failure!;
}

/**
 * The sound form of a terminal credential given in its signed form. Throws `ProtocolError` when the
 * signed form does not decode.
 *
 * @example
 * ```ts
 * import { encodeTerminalCredentialSoundForm } from '@settle/protocol/sound-form';
 * const onAir = encodeTerminalCredentialSoundForm(terminalCredentialBytes);
 * ```
 */
export function encodeTerminalCredentialSoundForm(credentialBytes: Uint8Array): Uint8Array {
  const decoded = decodeTerminalCredential(credentialBytes);
  if (!decoded.ok) throwFailure(decoded);
  const { credential, issuerKeyId } = decoded.value;
  return encodeSoundForm(
    soundFormTags.terminalCredential,
    [
      issuerKeyId.slice(0, soundKeyIdPrefixLengthBytes),
      signatureOf(credentialBytes, terminalCredentialSizeMaxBytes, 'a terminal credential'),
      encodeSoundTime(credential.validFromMs),
    ],
    credentialLayout,
    [
      credential.merchantId,
      credential.merchantDisplayName,
      credential.terminalId,
      encodeCredentialKey(credential.terminalKey),
      credential.validUntilMs - credential.validFromMs,
    ],
  );
}

/**
 * Decodes a terminal credential's sound form, every field checked as in the signed form (nothing
 * verified). Never throws for bad input.
 *
 * @example
 * ```ts
 * import { decodeTerminalCredentialSoundForm } from '@settle/protocol/sound-form';
 * const decoded = decodeTerminalCredentialSoundForm(heard);
 * ```
 */
export function decodeTerminalCredentialSoundForm(
  bytes: Uint8Array,
): ProtocolResult<CredentialSoundForm<TerminalCredential>> {
  return protocolResult(() => {
    const { rawFields, items } = decodeSoundForm(bytes, {
      tag: soundFormTags.terminalCredential,
      layout: credentialLayout,
      itemCount: 5,
      sizeMaxBytes: terminalCredentialSizeMaxBytes,
      structure: 'a terminal credential',
    });
    const [issuerKeyIdPrefix, signature, validFrom] = rawFields as [
      Uint8Array,
      Uint8Array,
      Uint8Array,
    ];
    const [merchantId, merchantDisplayName, terminalId, terminalKey, validForMs] = items;
    const validFromMs = decodeSoundTime(validFrom, 'validFromMs');
    const credential: TerminalCredential = {
      merchantId: readIdentifier(merchantId, 'merchantId'),
      merchantDisplayName: readDisplayName(merchantDisplayName, 'merchantDisplayName'),
      terminalId: readIdentifier(terminalId, 'terminalId'),
      terminalKey: readKey(terminalKey, 'terminalPublicKey'),
      validFromMs,
      validUntilMs: readDuration(validFromMs, validForMs, 'validForMs'),
    };
    prepareTerminalCredential(credential, placeholderIssuer); // the signed form's own checks, e.g. the period
    return { credential, issuerKeyIdPrefix, signature };
  });
}

/**
 * Decodes a terminal credential's sound form, expands it with each processor key whose id starts
 * with its prefix (`KEY_NOT_FOUND` if none) and verifies the signed form it gives
 * (`verifyTerminalCredential`): the credential and its signed form exactly as issued.
 *
 * @example
 * ```ts
 * import { verifyTerminalCredentialSoundForm } from '@settle/protocol/sound-form';
 * const verified = verifyTerminalCredentialSoundForm(heard, { processorKeys, algorithms: ['ES256'], backend: 'noble' });
 * if (verified.ok) cache.add(verified.value.credentialBytes);
 * ```
 */
export function verifyTerminalCredentialSoundForm(
  bytes: Uint8Array,
  options: VerifySignedOptions,
): ProtocolResult<VerifiedCredentialSoundForm<TerminalCredential>> {
  const decoded = decodeTerminalCredentialSoundForm(bytes);
  if (!decoded.ok) return decoded;
  return verifyWithCandidates(
    decoded.value,
    options,
    prepareTerminalCredential,
    verifyTerminalCredential,
  );
}

/**
 * The sound form of a device credential given in its signed form. Throws `ProtocolError` when the
 * signed form does not decode.
 *
 * @example
 * ```ts
 * import { encodeDeviceCredentialSoundForm } from '@settle/protocol/sound-form';
 * const onAir = encodeDeviceCredentialSoundForm(deviceCredentialBytes);
 * ```
 */
export function encodeDeviceCredentialSoundForm(credentialBytes: Uint8Array): Uint8Array {
  const decoded = decodeDeviceCredential(credentialBytes);
  if (!decoded.ok) throwFailure(decoded);
  const { credential, issuerKeyId } = decoded.value;
  return encodeSoundForm(
    soundFormTags.deviceCredential,
    [
      issuerKeyId.slice(0, soundKeyIdPrefixLengthBytes),
      signatureOf(credentialBytes, deviceCredentialSizeMaxBytes, 'a device credential'),
      encodeSoundTime(credential.checkedInAtMs),
    ],
    credentialLayout,
    [
      credential.deviceId,
      encodeCredentialKey(credential.paymentKey),
      credential.offlineCaps.map((cap) => [cap.currency, cap.perTransactionMax, cap.cumulativeMax]),
      credential.validUntilMs - credential.checkedInAtMs,
    ],
  );
}

function readCaps(value: unknown): OfflineCap[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > offlineCapsCurrenciesMax)
    return invalidField('offlineCaps', `must be an array of 1 to ${offlineCapsCurrenciesMax} caps`);
  return value.map((item: unknown, index) => {
    const field = `offlineCaps/${index}`;
    if (!Array.isArray(item) || item.length !== 3)
      return invalidField(field, 'must be [currency, perTransactionMax, cumulativeMax]');
    return {
      currency: readCurrency(item[0], `${field}/currency`),
      perTransactionMax: readAmount(item[1], `${field}/perTransactionMax`),
      cumulativeMax: readAmount(item[2], `${field}/cumulativeMax`),
    };
  });
}

/**
 * Decodes a device credential's sound form, every field checked as in the signed form (nothing
 * verified). Never throws for bad input.
 *
 * @example
 * ```ts
 * import { decodeDeviceCredentialSoundForm } from '@settle/protocol/sound-form';
 * const decoded = decodeDeviceCredentialSoundForm(heard);
 * ```
 */
export function decodeDeviceCredentialSoundForm(
  bytes: Uint8Array,
): ProtocolResult<CredentialSoundForm<DeviceCredential>> {
  return protocolResult(() => {
    const { rawFields, items } = decodeSoundForm(bytes, {
      tag: soundFormTags.deviceCredential,
      layout: credentialLayout,
      itemCount: 4,
      sizeMaxBytes: deviceCredentialSizeMaxBytes,
      structure: 'a device credential',
    });
    const [issuerKeyIdPrefix, signature, checkedInAt] = rawFields as [
      Uint8Array,
      Uint8Array,
      Uint8Array,
    ];
    const [deviceId, paymentKey, offlineCaps, validForMs] = items;
    const checkedInAtMs = decodeSoundTime(checkedInAt, 'checkedInAtMs');
    const credential: DeviceCredential = {
      deviceId: readIdentifier(deviceId, 'deviceId'),
      paymentKey: readKey(paymentKey, 'paymentPublicKey'),
      offlineCaps: readCaps(offlineCaps),
      checkedInAtMs,
      validUntilMs: readDuration(checkedInAtMs, validForMs, 'validForMs'),
    };
    prepareDeviceCredential(credential, placeholderIssuer); // the signed form's own checks: cap order, per ≤ cumulative, period
    return { credential, issuerKeyIdPrefix, signature };
  });
}

/**
 * Decodes a device credential's sound form, expands it with each processor key whose id starts with
 * its prefix (`KEY_NOT_FOUND` if none) and verifies the signed form it gives
 * (`verifyDeviceCredential`).
 *
 * @example
 * ```ts
 * import { verifyDeviceCredentialSoundForm } from '@settle/protocol/sound-form';
 * const verified = verifyDeviceCredentialSoundForm(heard, { processorKeys, algorithms: ['ES256'], backend: 'native' });
 * ```
 */
export function verifyDeviceCredentialSoundForm(
  bytes: Uint8Array,
  options: VerifySignedOptions,
): ProtocolResult<VerifiedCredentialSoundForm<DeviceCredential>> {
  const decoded = decodeDeviceCredentialSoundForm(bytes);
  if (!decoded.ok) return decoded;
  return verifyWithCandidates(
    decoded.value,
    options,
    prepareDeviceCredential,
    verifyDeviceCredential,
  );
}
