import {
  encodeConsumerAuthorizationSoundForm,
  encodeDeviceCredentialSoundForm,
  encodePaymentRequestSoundForm,
  encodeTerminalCredentialSoundForm,
} from '@settle/protocol/sound-form';
import { readProtocolFixture } from '@settle/protocol/testing';

// What the link carries (docs/protocol.md, "Sound forms"), made from the protocol's fixtures: the
// request, the largest authorization (82 B, over the largest request) and both credentials. The
// link's tests send these.

/**
 * The sound forms of the protocol's fixtures.
 *
 * @example
 * ```ts
 * encodeTransmission(modem, [{ bytes: fixtureSoundForms.request, framesMax: 1 }]);
 * ```
 */
export const fixtureSoundForms = {
  request: encodePaymentRequestSoundForm(readProtocolFixture('payment-request')),
  authorization: encodeConsumerAuthorizationSoundForm(
    readProtocolFixture('consumer-authorization.largest'),
    readProtocolFixture('payment-request.largest'),
  ),
  terminalCredential: encodeTerminalCredentialSoundForm(readProtocolFixture('terminal-credential')),
  deviceCredential: encodeDeviceCredentialSoundForm(readProtocolFixture('device-credential')),
} as const;
