import { consumerAuthorizationSizeMaxBytes, deviceCounterMax, protocolTimeMsMax } from '../limits';
import {
  decodeConsumerAuthorization,
  prepareConsumerAuthorization,
} from '../consumer-authorization';
import { type ProtocolResult, ProtocolError, protocolResult } from '../errors';
import { invalidField, readTimeMs, readUnsigned } from '../fields';
import { decodePaymentRequest } from '../payment-request';
import { type ProtocolPublicKey } from '../protocol-keys';
import { decodeSoundForm, encodeSoundForm, keyIdHasPrefix } from './sound-form-codec';
import {
  soundFormTags,
  soundKeyIdPrefixLengthBytes,
  soundSignatureLengthBytes,
} from './sound-form-limits';

// The consumer authorization's sound form (PCD → POS):
//   02 ‖ payment key id prefix (4) ‖ signature (64) ‖ CBOR [deviceCounter, authorizedAtMs − createdAtMs in seconds]
// 74 bytes for the fixtures' authorization (132 in the signed form). Left out: the algorithm and
// the full key id (the device credential the prefix names gives both), the COSE framing, and the
// time as an absolute value (the request it answers, which the POS made, gives the base). The
// signature covers the full key id, so a prefix shared by two devices costs the POS one more
// verification and never accepts a wrong one.

const layout = [soundKeyIdPrefixLengthBytes, soundSignatureLengthBytes] as const;
const structure = 'a consumer authorization';
const millisecondsPerSecond = 1000;
const secondsMax = Math.floor(protocolTimeMsMax / millisecondsPerSecond);

/**
 * A consumer authorization's sound form, decoded.
 *
 * @example
 * ```ts
 * const { keyIdPrefix, deviceCounter }: ConsumerAuthorizationSoundForm = decoded.value;
 * ```
 */
export interface ConsumerAuthorizationSoundForm {
  /** The first 4 bytes of the payment key's thumbprint. */
  readonly keyIdPrefix: Uint8Array;
  readonly signature: Uint8Array;
  readonly deviceCounter: bigint;
  /** `authorizedAtMs − request.createdAtMs`, whole seconds (negative when the phone's clock is behind). */
  readonly secondsAfterRequest: number;
}

function readSeconds(value: unknown): number {
  const seconds = typeof value === 'bigint' ? Number(value) : value;
  if (
    typeof seconds !== 'number' ||
    !Number.isSafeInteger(seconds) ||
    Math.abs(seconds) > secondsMax
  )
    invalidField('secondsAfterRequest', 'must be an integer number of seconds');
  return seconds as number;
}

/**
 * The sound form of a consumer authorization (signed form) over `requestBytes`. Throws
 * `ProtocolError`: the signed forms' own failures, `FIELD_INVALID` (`authorizedAtMs`) unless the
 * authorization time is whole seconds after the request's creation (the wallet signs such times).
 *
 * @example
 * ```ts
 * import { encodeConsumerAuthorizationSoundForm } from '@settle/protocol/sound-form';
 * const onAir = encodeConsumerAuthorizationSoundForm(authorizationBytes, requestBytes); // 74 bytes
 * ```
 */
export function encodeConsumerAuthorizationSoundForm(
  authorizationBytes: Uint8Array,
  requestBytes: Uint8Array,
): Uint8Array {
  const authorization = decodeConsumerAuthorization(authorizationBytes);
  if (!authorization.ok)
    throw new ProtocolError(authorization.code, authorization.field, authorization.message, {
      cause: authorization,
    });
  const request = decodePaymentRequest(requestBytes);
  if (!request.ok)
    throw new ProtocolError(request.code, request.field, request.message, { cause: request });
  const afterRequestMs = authorization.value.authorizedAtMs - request.value.createdAtMs;
  if (afterRequestMs % millisecondsPerSecond !== 0)
    invalidField(
      'authorizedAtMs',
      'must be whole seconds after the request was created to have a sound form',
    );
  return encodeSoundForm(
    soundFormTags.consumerAuthorization,
    [
      authorization.value.keyId.slice(0, soundKeyIdPrefixLengthBytes),
      authorization.value.signature,
    ],
    layout,
    [authorization.value.deviceCounter, afterRequestMs / millisecondsPerSecond],
  );
}

/**
 * Decodes a consumer authorization's sound form (nothing verified). Never throws for bad input.
 *
 * @example
 * ```ts
 * import { decodeConsumerAuthorizationSoundForm } from '@settle/protocol/sound-form';
 * const decoded = decodeConsumerAuthorizationSoundForm(heard);
 * ```
 */
export function decodeConsumerAuthorizationSoundForm(
  bytes: Uint8Array,
): ProtocolResult<ConsumerAuthorizationSoundForm> {
  return protocolResult(() => {
    const { rawFields, items } = decodeSoundForm(bytes, {
      tag: soundFormTags.consumerAuthorization,
      layout,
      itemCount: 2,
      sizeMaxBytes: consumerAuthorizationSizeMaxBytes,
      structure,
    });
    const [keyIdPrefix, signature] = rawFields as [Uint8Array, Uint8Array];
    return {
      keyIdPrefix,
      signature,
      deviceCounter: readUnsigned(items[0], 'deviceCounter', deviceCounterMax),
      secondsAfterRequest: readSeconds(items[1]),
    };
  });
}

/**
 * Expands a decoded sound form into the signed form, for the request it answers and a candidate
 * payment key (from a device credential whose key id starts with the prefix; `KEY_ID_MISMATCH`
 * otherwise). NOT verified: verify the result with `verifyConsumerAuthorization` and the same key;
 * with a wrong candidate it does not verify.
 *
 * @example
 * ```ts
 * import { expandConsumerAuthorizationSoundForm } from '@settle/protocol/sound-form';
 * const expanded = expandConsumerAuthorizationSoundForm(decoded.value, { requestBytes, paymentKey: credential.paymentKey });
 * if (expanded.ok) verifyConsumerAuthorization(expanded.value, { requestBytes, deviceKey: credential.paymentKey, … });
 * ```
 */
export function expandConsumerAuthorizationSoundForm(
  soundForm: ConsumerAuthorizationSoundForm,
  answering: { readonly requestBytes: Uint8Array; readonly paymentKey: ProtocolPublicKey },
): ProtocolResult<Uint8Array> {
  return protocolResult(() => {
    if (!keyIdHasPrefix(answering.paymentKey.keyId, soundForm.keyIdPrefix)) {
      throw new ProtocolError(
        'KEY_ID_MISMATCH',
        'keyIdPrefix',
        'the key id prefix is not that of the payment key',
      );
    }
    const request = decodePaymentRequest(answering.requestBytes);
    if (!request.ok)
      throw new ProtocolError(request.code, request.field, request.message, { cause: request });
    const authorizedAtMs = readTimeMs(
      request.value.createdAtMs + soundForm.secondsAfterRequest * millisecondsPerSecond,
      'secondsAfterRequest',
    );
    const prepared = prepareConsumerAuthorization({
      requestBytes: answering.requestBytes,
      deviceCounter: soundForm.deviceCounter,
      authorizedAtMs,
      alg: answering.paymentKey.alg,
      keyId: answering.paymentKey.keyId,
    });
    return prepared.complete(soundForm.signature);
  });
}
