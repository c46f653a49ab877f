// Golden protocol fixtures: byte-locked, each decodes, each re-encodes to the same bytes, and the
// largest request and authorization fit one sound frame.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  consumerAuthorizationSizeMaxBytes,
  decodeConsumerAuthorization,
  decodeDeviceCredential,
  decodeMerchantApproval,
  decodeOfflineTransaction,
  decodePaymentRequest,
  decodeProcessorConfirmation,
  decodeTerminalCredential,
  deviceCounterMax,
  encodeOfflineTransaction,
  encodePaymentRequest,
  paymentRequestSizeMaxBytes,
  prepareConsumerAuthorization,
  prepareDeviceCredential,
  prepareMerchantApproval,
  prepareProcessorConfirmation,
  prepareTerminalCredential,
  protocolTimeMsMax,
  soundFrameSizeMaxBytes,
  unwrapProtocolResult,
} from './index';
import {
  buildProtocolFixtures,
  fixtureFileText,
  fixtureLargestRequest,
  fixtureRequest,
  listProtocolFixtures,
  protocolFixturesDirectory,
  readProtocolFixture,
} from './testing/protocol-fixtures';

const built = buildProtocolFixtures();
if (process.env.PROTOCOL_FIXTURES === 'write') {
  for (const [name, bytes] of Object.entries(built))
    writeFileSync(path.join(protocolFixturesDirectory, `${name}.hex`), fixtureFileText(bytes));
}

/** Decodes a fixture and encodes it again from the decoded value (re-using the decoded signature). */
const reEncoders: Record<string, (bytes: Uint8Array) => Uint8Array> = {
  'payment-request': (bytes) =>
    encodePaymentRequest(unwrapProtocolResult(decodePaymentRequest(bytes))),
  'consumer-authorization': (bytes) => {
    const authorization = unwrapProtocolResult(decodeConsumerAuthorization(bytes));
    const requestBytes = readProtocolFixture(
      bytes.length === 138 ? 'payment-request.largest' : 'payment-request',
    );
    return prepareConsumerAuthorization({ ...authorization, requestBytes }).complete(
      authorization.signature,
    );
  },
  'merchant-approval': (bytes) => {
    const approval = unwrapProtocolResult(decodeMerchantApproval(bytes));
    return prepareMerchantApproval({
      ...approval,
      authorizationBytes: readProtocolFixture('consumer-authorization'),
    }).complete(approval.signature);
  },
  'offline-transaction': (bytes) =>
    encodeOfflineTransaction(unwrapProtocolResult(decodeOfflineTransaction(bytes))),
  'processor-confirmation': (bytes) => {
    const { confirmation, issuerKeyId } = unwrapProtocolResult(decodeProcessorConfirmation(bytes));
    return prepareProcessorConfirmation(confirmation, {
      alg: 'ES256',
      keyId: issuerKeyId,
    }).complete(bytes.subarray(-64));
  },
  'terminal-credential': (bytes) => {
    const { credential, issuerKeyId } = unwrapProtocolResult(decodeTerminalCredential(bytes));
    return prepareTerminalCredential(credential, { alg: 'ES256', keyId: issuerKeyId }).complete(
      bytes.subarray(-64),
    );
  },
  'device-credential': (bytes) => {
    const { credential, issuerKeyId } = unwrapProtocolResult(decodeDeviceCredential(bytes));
    return prepareDeviceCredential(credential, { alg: 'ES256', keyId: issuerKeyId }).complete(
      bytes.subarray(-64),
    );
  },
};

describe('golden protocol fixtures (libs/protocol/fixtures)', () => {
  it('exist exactly for the fixtures the builder makes', () => {
    expect(listProtocolFixtures()).toEqual(Object.keys(built).sort());
  });

  it.each(Object.keys(built))(
    '%s is byte-locked: rebuilt from its fixed inputs, it equals the file',
    (name) => {
      expect(fixtureFileText(built[name]!)).toBe(fixtureFileText(readProtocolFixture(name)));
    },
  );

  it.each(Object.keys(built))(
    '%s round-trips: decoded and encoded again, it is the same bytes',
    (name) => {
      const bytes = readProtocolFixture(name);
      const reEncode = reEncoders[name.split('.')[0]!]!;
      expect(Buffer.from(reEncode(bytes)).toString('hex')).toBe(Buffer.from(bytes).toString('hex'));
    },
  );

  it('proves the largest request and the largest authorization each fit one sound frame', () => {
    const request = readProtocolFixture('payment-request.largest');
    const authorization = unwrapProtocolResult(
      decodeConsumerAuthorization(readProtocolFixture('consumer-authorization.largest')),
    );
    expect(unwrapProtocolResult(decodePaymentRequest(request))).toEqual(fixtureLargestRequest);
    expect({
      deviceCounter: authorization.deviceCounter,
      authorizedAtMs: authorization.authorizedAtMs,
    }).toEqual({
      deviceCounter: deviceCounterMax,
      authorizedAtMs: protocolTimeMsMax,
    });
    expect({
      request: request.length,
      authorization: readProtocolFixture('consumer-authorization.largest').length,
    }).toEqual({ request: 136, authorization: 138 });
    expect(paymentRequestSizeMaxBytes).toBe(soundFrameSizeMaxBytes);
    expect(consumerAuthorizationSizeMaxBytes).toBe(soundFrameSizeMaxBytes);
  });

  it('pins the sizes of the typical structures (what the sound link and the upload API carry)', () => {
    const sizes = Object.fromEntries(
      listProtocolFixtures().map((name) => [name, readProtocolFixture(name).length]),
    );
    expect(sizes).toEqual({
      'consumer-authorization': 132,
      'consumer-authorization.ed25519': 130,
      'consumer-authorization.largest': 138,
      'device-credential': 233,
      'merchant-approval': 124,
      'offline-transaction': 414,
      'payment-request': 116,
      'payment-request.largest': 136,
      'processor-confirmation': 233,
      'terminal-credential': 254,
    });
  });

  it('decodes the typical request to its inputs', () => {
    expect(
      unwrapProtocolResult(decodePaymentRequest(readProtocolFixture('payment-request'))),
    ).toEqual(fixtureRequest);
  });
});
