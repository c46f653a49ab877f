// Test support (tests only, never production code): fixed keys and the golden protocol fixtures in
// libs/protocol/fixtures/*.hex. The fixtures are signed with the noble back end, whose
// ES256 (RFC 6979) and Ed25519 signatures are deterministic, so they can be rebuilt byte for byte:
// `PROTOCOL_FIXTURES=write npx jest --selectProjects unit --testPathPatterns libs/protocol/src/fixtures`.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { type PrivateJwk, bytesToHex, hexToBytes } from '@settle/crypto';
import { decodeConsumerAuthorization, signConsumerAuthorization } from '../consumer-authorization';
import { type ProtocolSigner, softwareSigner } from '../cose';
import { type DeviceCredential, signDeviceCredential } from '../device-credential';
import { unwrapProtocolResult } from '../errors';
import {
  protocolTimeMsMax,
  amountMinorUnitsMax,
  deviceCounterMax,
  paymentRequestValidityMsMax,
} from '../limits';
import { signMerchantApproval } from '../merchant-approval';
import { encodeOfflineTransaction } from '../offline-transaction';
import { type PaymentRequest, encodePaymentRequest } from '../payment-request';
import { signProcessorConfirmation } from '../processor-confirmation';
import { type ProtocolPublicKey, protocolPublicKey } from '../protocol-keys';
import { type TerminalCredential, signTerminalCredential } from '../terminal-credential';
import { calculateTransactionId } from '../transaction-id';

/** Fixed test keys (generated once; never used outside tests). */
export const testPrivateJwks = {
  deviceEs256: {
    kty: 'EC',
    crv: 'P-256',
    x: 'XPnPPwEAa3Dus6C5DkU-Ru27db3vlsQ63xwN8Owp54E',
    y: 'PqgL0dIwfaIRIupD24DABSpVV3a1IwZMU2IA7gkMSR0',
    d: 'YXGrKwrct5nVOeBT__KFE79dMAyrEbO6Bij_zTXqzeY',
  },
  deviceEd25519: {
    kty: 'OKP',
    crv: 'Ed25519',
    x: 'u_1eGh_0W0AcASvqtWbxInn6_Got7dgMStX5GkfbRfI',
    d: 'mc1c4P47JREEVDFT6mLOAXHHwoQ626-vbZ9jiexF6yk',
  },
  terminal: {
    kty: 'EC',
    crv: 'P-256',
    x: 'Spo6VDFQ3qXKlUiT-11xXrQB5StqUMYhFVUd6lrAHp0',
    y: 'WhntDwOpo5zxoNcBHO_wf737y3jYIrghqlZcwqxy9gM',
    d: 'Nm1ACoe01y5LHUQUXxpihEWXMwU4XSilJVG10qEk0sg',
  },
  processor: {
    kty: 'EC',
    crv: 'P-256',
    x: 'w4JtwoKo2Jm3uglgjgSgPM3ggxho3hdxB334MiXdhh8',
    y: 'LcYYMMiAqhKtwbWrcppPhuWtzOElwkFN9CKhFFLn2Pg',
    d: 'QBfgz51VNf6zR1INlfI7W5p0u_WVYw4RDbjqfrvFBq8',
  },
  processorNext: {
    kty: 'EC',
    crv: 'P-256',
    x: 'uCPA28MkNhGgOkI0jeifnsVMo9axwtH_0hVXbUJfDuQ',
    y: 'NPQRtoRJX49e5_RSRYgy5dT-0VTtHrUXpZuMMude4Zw',
    d: 'ma5o1-H_x6M8dmWK6hG6BU-lRv6dT5XAxigVWn9ASGg',
  },
} as const satisfies Record<string, PrivateJwk>;

/** The public half of a test key as a ProtocolPublicKey. */
export function testPublicKey(name: keyof typeof testPrivateJwks): ProtocolPublicKey {
  const { d: _d, ...publicJwk } = testPrivateJwks[name];
  return protocolPublicKey(publicJwk);
}

/** A deterministic (noble) signer of a test key. */
export function testSigner(name: keyof typeof testPrivateJwks): ProtocolSigner {
  return softwareSigner(testPrivateJwks[name], 'noble');
}

const at = (iso: string) => Date.parse(iso);

/** The typical request of the fixtures: 12.50 EUR at a café. */
export const fixtureRequest: PaymentRequest = {
  merchantId: 'mer_4Fd8TnQ2bXz6Yc',
  terminalId: 'trm_9Kx3PqL7vWm2Ra',
  amount: 1250n,
  currency: 'EUR',
  nonce: hexToBytes('000102030405060708090a0b0c0d0e0f'),
  createdAtMs: at('2026-11-28T07:41:00.000Z'),
  expiresAtMs: at('2026-11-28T07:43:00.000Z'),
};

/** The largest request: longest ids, largest amount and the latest times the protocol allows. */
export const fixtureLargestRequest: PaymentRequest = {
  merchantId: 'mer_ABCDEFGHIJKLMNOPQRST',
  terminalId: 'trm_abcdefghijklmnopqrst',
  amount: amountMinorUnitsMax,
  currency: 'XTS',
  nonce: hexToBytes('ffffffffffffffffffffffffffffffff'),
  createdAtMs: protocolTimeMsMax - paymentRequestValidityMsMax,
  expiresAtMs: protocolTimeMsMax,
};

export const fixtureTerminalCredential: TerminalCredential = {
  merchantId: fixtureRequest.merchantId,
  merchantDisplayName: 'Café Olé',
  terminalId: fixtureRequest.terminalId,
  terminalKey: testPublicKey('terminal'),
  validFromMs: at('2026-11-01T00:00:00.000Z'),
  validUntilMs: at('2027-11-01T00:00:00.000Z'),
};

export const fixtureDeviceCredential: DeviceCredential = {
  deviceId: 'dev_2Nc6RtH8yJq4Ze',
  paymentKey: testPublicKey('deviceEs256'),
  offlineCaps: [{ currency: 'EUR', perTransactionMax: 5000n, cumulativeMax: 15000n }],
  checkedInAtMs: at('2026-11-27T18:00:00.000Z'),
  validUntilMs: at('2026-12-04T18:00:00.000Z'),
};

/** Builds every golden fixture from the fixed inputs above. */
export function buildProtocolFixtures(): Record<string, Uint8Array> {
  const request = encodePaymentRequest(fixtureRequest);
  const largestRequest = encodePaymentRequest(fixtureLargestRequest);
  const device = testSigner('deviceEs256');
  const authorization = signConsumerAuthorization(
    { requestBytes: request, deviceCounter: 4187n, authorizedAtMs: at('2026-11-28T07:41:12.000Z') },
    device,
  );
  const largestAuthorization = signConsumerAuthorization(
    {
      requestBytes: largestRequest,
      deviceCounter: deviceCounterMax,
      authorizedAtMs: protocolTimeMsMax,
    },
    device,
  );
  const ed25519Authorization = signConsumerAuthorization(
    { requestBytes: request, deviceCounter: 17n, authorizedAtMs: at('2026-11-28T07:41:12.000Z') },
    testSigner('deviceEd25519'),
  );
  const approval = signMerchantApproval(
    { authorizationBytes: authorization, approvedAtMs: at('2026-11-28T07:41:12.517Z') },
    testSigner('terminal'),
  );
  const transaction = encodeOfflineTransaction({
    requestBytes: request,
    authorizationBytes: authorization,
    approvalBytes: approval,
  });
  const { protectedHeaderBytes } = unwrapProtocolResult(decodeConsumerAuthorization(authorization));
  const confirmation = signProcessorConfirmation(
    {
      transactionId: calculateTransactionId(request, protectedHeaderBytes),
      terminalId: fixtureRequest.terminalId,
      amount: fixtureRequest.amount,
      currency: fixtureRequest.currency,
      outcome: 'accepted',
      reasonCode: null,
      confirmedAtMs: at('2026-11-28T10:00:00.184Z'),
    },
    testSigner('processor'),
  );
  return {
    'payment-request': request,
    'payment-request.largest': largestRequest,
    'consumer-authorization': authorization,
    'consumer-authorization.largest': largestAuthorization,
    'consumer-authorization.ed25519': ed25519Authorization,
    'merchant-approval': approval,
    'offline-transaction': transaction,
    'processor-confirmation': confirmation,
    'terminal-credential': signTerminalCredential(
      fixtureTerminalCredential,
      testSigner('processor'),
    ),
    'device-credential': signDeviceCredential(fixtureDeviceCredential, testSigner('processor')),
  };
}

/** libs/protocol/fixtures */
export const protocolFixturesDirectory = path.resolve(__dirname, '../../fixtures');

/** The text of a fixture file: lowercase hex, one line, newline-terminated. */
export function fixtureFileText(bytes: Uint8Array): string {
  return `${bytesToHex(bytes)}\n`;
}

/** The bytes of the golden fixture `name` (`payment-request`, `consumer-authorization.largest`, …). */
export function readProtocolFixture(name: string): Uint8Array {
  return hexToBytes(
    readFileSync(path.join(protocolFixturesDirectory, `${name}.hex`), 'utf8').trim(),
  );
}

/** Names of the fixture files present. */
export function listProtocolFixtures(): string[] {
  return readdirSync(protocolFixturesDirectory)
    .filter((file) => file.endsWith('.hex'))
    .map((file) => file.slice(0, -'.hex'.length))
    .sort();
}
