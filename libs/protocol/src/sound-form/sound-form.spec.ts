// Sound forms ↔ signed forms: every sound form expands back into exactly the signed bytes it came
// from, and a sound form changed on the air never expands into a signed form that verifies.
import fc from 'fast-check';
import { bytesToHex } from '@settle/crypto';
import {
  type DeviceCredential,
  type PaymentRequest,
  type ProtocolSigner,
  type TerminalCredential,
  encodePaymentRequest,
  paymentRequestValidityMsMax,
  protocolTimeMsMax,
  signConsumerAuthorization,
  signDeviceCredential,
  signTerminalCredential,
  softwareSigner,
  verifyConsumerAuthorization,
} from '../index';
import {
  fixtureDeviceCredential,
  fixtureTerminalCredential,
  readProtocolFixture,
  testPrivateJwks,
  testPublicKey,
} from '../testing/protocol-fixtures';
import {
  decodeConsumerAuthorizationSoundForm,
  decodeDeviceCredentialSoundForm,
  decodePaymentRequestSoundForm,
  decodeTerminalCredentialSoundForm,
  encodeConsumerAuthorizationSoundForm,
  encodeDeviceCredentialSoundForm,
  encodePaymentRequestSoundForm,
  encodeTerminalCredentialSoundForm,
  expandConsumerAuthorizationSoundForm,
  expandPaymentRequestSoundForm,
  isSoundForm,
  soundFormTags,
  terminalReferenceOf,
  verifyDeviceCredentialSoundForm,
  verifyTerminalCredentialSoundForm,
} from './index';

// Native signers: the properties sign hundreds of structures (ES256 with OpenSSL is about 40× noble).
const signers = {
  deviceEs256: softwareSigner(testPrivateJwks.deviceEs256, 'native'),
  deviceEd25519: softwareSigner(testPrivateJwks.deviceEd25519, 'native'),
  processor: softwareSigner(testPrivateJwks.processor, 'native'),
  processorNext: softwareSigner(testPrivateJwks.processorNext, 'native'),
} satisfies Record<string, ProtocolSigner>;
const deviceKeys = {
  deviceEs256: testPublicKey('deviceEs256'),
  deviceEd25519: testPublicKey('deviceEd25519'),
};
const processorOptions = {
  processorKeys: [testPublicKey('processorNext'), testPublicKey('processor')],
  algorithms: ['ES256'] as const,
  backend: 'native' as const,
};
const runs = { numRuns: 100 };
/** Credentials cost a signature and a verification per run, and a point decompression. */
const credentialRuns = { numRuns: 40 };

const identifier = fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/);
const currency = fc.stringMatching(/^[A-Z]{3}$/);
const amount = fc.bigInt({ min: 1n, max: 2n ** 63n - 1n });
const validitySeconds = fc.integer({ min: 1, max: paymentRequestValidityMsMax / 1000 });
const timeMs = fc.integer({ min: 0, max: protocolTimeMsMax - paymentRequestValidityMsMax });
const credentialValidityMsMax = 400 * 86_400_000;
const credentialTimeMs = fc.integer({ min: 0, max: protocolTimeMsMax - credentialValidityMsMax });
const displayName = fc.oneof(
  fc.constantFrom('Café Olé', 'A', '東京ラーメン 🍜', 'Bäckerei Müller & Söhne'),
  fc.stringMatching(/^[A-Za-z][A-Za-z .&'-]{0,60}[A-Za-z]$/),
);

const request = fc
  .record({
    merchantId: identifier,
    terminalId: identifier,
    amount,
    currency,
    nonce: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    createdAtMs: timeMs,
    validitySeconds,
  })
  .map(({ validitySeconds: seconds, ...fields }): PaymentRequest => ({
    ...fields,
    expiresAtMs: fields.createdAtMs + seconds * 1000,
  }));

const hex = (bytes: Uint8Array) => bytesToHex(bytes);

/** Every single-byte change of `bytes` (position and xor mask drawn). */
const corruption = (length: number) =>
  fc.tuple(fc.nat(length - 1), fc.integer({ min: 1, max: 255 }));
function corrupted(bytes: Uint8Array, [index, mask]: [number, number]): Uint8Array {
  const copy = bytes.slice();
  copy[index] = copy[index]! ^ mask;
  return copy;
}

describe('payment request sound form', () => {
  it('is 37 bytes for the fixtures’ request (116 signed) and expands back to its exact bytes', () => {
    const requestBytes = readProtocolFixture('payment-request');
    const soundForm = encodePaymentRequestSoundForm(requestBytes);
    expect(soundForm.length).toBe(37);
    expect(soundForm[0]).toBe(soundFormTags.paymentRequest);
    const decoded = decodePaymentRequestSoundForm(soundForm);
    if (!decoded.ok) throw new Error(decoded.message);
    const expanded = expandPaymentRequestSoundForm(decoded.value, fixtureTerminalCredential);
    expect(expanded.ok && hex(expanded.value.requestBytes)).toBe(hex(requestBytes));
  });

  it('property: sound form → signed form is the identity on every request with whole-second validity', () => {
    fc.assert(
      fc.property(request, (value) => {
        const requestBytes = encodePaymentRequest(value);
        const decoded = decodePaymentRequestSoundForm(encodePaymentRequestSoundForm(requestBytes));
        if (!decoded.ok) throw new Error(decoded.message);
        const expanded = expandPaymentRequestSoundForm(decoded.value, value);
        expect(expanded.ok && hex(expanded.value.requestBytes)).toBe(hex(requestBytes));
      }),
      runs,
    );
  });

  it('has no sound form for a validity that is not whole seconds (FIELD_INVALID expiresAtMs)', () => {
    const requestBytes = encodePaymentRequest({
      ...decodedFixtureRequest(),
      expiresAtMs: decodedFixtureRequest().createdAtMs + 1_500,
    });
    expect(() => encodePaymentRequestSoundForm(requestBytes)).toThrow(
      expect.objectContaining({ code: 'FIELD_INVALID', field: 'expiresAtMs' }),
    );
  });

  it('refuses another terminal’s credential (the reference names the terminal) and another tag', () => {
    const soundForm = encodePaymentRequestSoundForm(readProtocolFixture('payment-request'));
    const decoded = decodePaymentRequestSoundForm(soundForm);
    if (!decoded.ok) throw new Error(decoded.message);
    expect(
      expandPaymentRequestSoundForm(decoded.value, {
        ...fixtureTerminalCredential,
        terminalId: 'trm_other',
      }),
    ).toMatchObject({ ok: false, code: 'FIELD_INVALID', field: 'terminalReference' });
    const otherTag = soundForm.slice();
    otherTag[0] = soundFormTags.consumerAuthorization;
    expect(decodePaymentRequestSoundForm(otherTag)).toMatchObject({
      ok: false,
      code: 'LABEL_MISMATCH',
      field: 'tag',
    });
    expect(decodePaymentRequestSoundForm(soundForm.subarray(0, 30))).toMatchObject({ ok: false });
    expect(terminalReferenceOf(fixtureTerminalCredential)).toEqual(decoded.value.terminalReference);
  });

  it('property: a request changed on the air never gets an authorization of the original that verifies over it', () => {
    const requestBytes = readProtocolFixture('payment-request');
    const authorizationBytes = readProtocolFixture('consumer-authorization');
    const soundForm = encodePaymentRequestSoundForm(requestBytes);
    fc.assert(
      fc.property(corruption(soundForm.length), (change) => {
        const decoded = decodePaymentRequestSoundForm(corrupted(soundForm, change));
        if (!decoded.ok) return;
        const expanded = expandPaymentRequestSoundForm(decoded.value, fixtureTerminalCredential);
        if (!expanded.ok) return;
        expect(hex(expanded.value.requestBytes)).not.toBe(hex(requestBytes));
        // What the phone would sign is another request: the POS's own request bytes do not match it.
        expect(
          verifyConsumerAuthorization(authorizationBytes, {
            requestBytes: expanded.value.requestBytes,
            deviceKey: deviceKeys.deviceEs256,
            algorithms: ['ES256'],
            backend: 'native',
          }).ok,
        ).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

function decodedFixtureRequest(): PaymentRequest {
  const decoded = decodePaymentRequestSoundForm(
    encodePaymentRequestSoundForm(readProtocolFixture('payment-request')),
  );
  if (!decoded.ok) throw new Error(decoded.message);
  const expanded = expandPaymentRequestSoundForm(decoded.value, fixtureTerminalCredential);
  if (!expanded.ok) throw new Error(expanded.message);
  return expanded.value.request;
}

describe('consumer authorization sound form', () => {
  const requestBytes = readProtocolFixture('payment-request');
  const authorizationBytes = readProtocolFixture('consumer-authorization');

  it('is 74 bytes for the fixtures’ authorization (132 signed) and expands back to its exact bytes, which verify', () => {
    const soundForm = encodeConsumerAuthorizationSoundForm(authorizationBytes, requestBytes);
    expect(soundForm.length).toBe(74);
    const decoded = decodeConsumerAuthorizationSoundForm(soundForm);
    if (!decoded.ok) throw new Error(decoded.message);
    expect(decoded.value).toMatchObject({ deviceCounter: 4187n, secondsAfterRequest: 12 });
    const expanded = expandConsumerAuthorizationSoundForm(decoded.value, {
      requestBytes,
      paymentKey: deviceKeys.deviceEs256,
    });
    expect(expanded.ok && hex(expanded.value)).toBe(hex(authorizationBytes));
  });

  it('property: sound form → signed form is the identity (ES256 and Ed25519, any counter, phone clock ahead or behind)', () => {
    fc.assert(
      fc.property(
        request,
        fc.constantFrom('deviceEs256', 'deviceEd25519') as fc.Arbitrary<keyof typeof deviceKeys>,
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.integer({ min: -86_400, max: 86_400 }),
        (value, device, deviceCounter, secondsAfterRequest) => {
          const authorizedAtMs = value.createdAtMs + secondsAfterRequest * 1000;
          fc.pre(authorizedAtMs >= 0 && authorizedAtMs <= protocolTimeMsMax);
          const signedRequest = encodePaymentRequest(value);
          const signed = signConsumerAuthorization(
            { requestBytes: signedRequest, deviceCounter, authorizedAtMs },
            signers[device],
          );
          const decoded = decodeConsumerAuthorizationSoundForm(
            encodeConsumerAuthorizationSoundForm(signed, signedRequest),
          );
          if (!decoded.ok) throw new Error(decoded.message);
          const expanded = expandConsumerAuthorizationSoundForm(decoded.value, {
            requestBytes: signedRequest,
            paymentKey: deviceKeys[device],
          });
          expect(expanded.ok && hex(expanded.value)).toBe(hex(signed));
        },
      ),
      runs,
    );
  });

  it('has no sound form for a time that is not whole seconds after the request (FIELD_INVALID authorizedAtMs)', () => {
    const signed = signConsumerAuthorization(
      {
        requestBytes,
        deviceCounter: 1n,
        authorizedAtMs: decodedFixtureRequest().createdAtMs + 1_250,
      },
      signers.deviceEs256,
    );
    expect(() => encodeConsumerAuthorizationSoundForm(signed, requestBytes)).toThrow(
      expect.objectContaining({ code: 'FIELD_INVALID', field: 'authorizedAtMs' }),
    );
  });

  it('expands only with a key whose id has the prefix (KEY_ID_MISMATCH)', () => {
    const decoded = decodeConsumerAuthorizationSoundForm(
      encodeConsumerAuthorizationSoundForm(authorizationBytes, requestBytes),
    );
    if (!decoded.ok) throw new Error(decoded.message);
    expect(
      expandConsumerAuthorizationSoundForm(decoded.value, {
        requestBytes,
        paymentKey: deviceKeys.deviceEd25519,
      }),
    ).toMatchObject({ ok: false, code: 'KEY_ID_MISMATCH' });
  });

  it('property: a sound form changed on the air never expands into an authorization that verifies', () => {
    const soundForm = encodeConsumerAuthorizationSoundForm(authorizationBytes, requestBytes);
    fc.assert(
      fc.property(corruption(soundForm.length), (change) => {
        const decoded = decodeConsumerAuthorizationSoundForm(corrupted(soundForm, change));
        if (!decoded.ok) return;
        const expanded = expandConsumerAuthorizationSoundForm(decoded.value, {
          requestBytes,
          paymentKey: deviceKeys.deviceEs256,
        });
        if (!expanded.ok) return;
        expect(
          verifyConsumerAuthorization(expanded.value, {
            requestBytes,
            deviceKey: deviceKeys.deviceEs256,
            algorithms: ['ES256'],
            backend: 'native',
          }).ok,
        ).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

const terminalCredential = fc
  .record({
    merchantId: identifier,
    merchantDisplayName: displayName,
    terminalId: identifier,
    terminalKey: fc.constantFrom(testPublicKey('terminal'), deviceKeys.deviceEd25519),
    validFromMs: credentialTimeMs,
    validForMs: fc.integer({ min: 1, max: credentialValidityMsMax }),
  })
  .map(({ validForMs, ...fields }): TerminalCredential => ({
    ...fields,
    validUntilMs: fields.validFromMs + validForMs,
  }));

const deviceCredential = fc
  .record({
    deviceId: identifier,
    paymentKey: fc.constantFrom(deviceKeys.deviceEs256, deviceKeys.deviceEd25519),
    offlineCaps: fc.uniqueArray(fc.tuple(currency, amount, amount), {
      minLength: 1,
      maxLength: 8,
      selector: ([code]) => code,
    }),
    checkedInAtMs: credentialTimeMs,
    validForMs: fc.integer({ min: 1, max: credentialValidityMsMax }),
  })
  .map(({ validForMs, offlineCaps, ...fields }): DeviceCredential => ({
    ...fields,
    offlineCaps: offlineCaps
      .map(([code, first, second]) => ({
        currency: code,
        perTransactionMax: first < second ? first : second,
        cumulativeMax: first < second ? second : first,
      }))
      .sort((left, right) => (left.currency < right.currency ? -1 : 1)),
    validUntilMs: fields.checkedInAtMs + validForMs,
  }));

const processorSigner = fc.constantFrom('processor', 'processorNext') as fc.Arbitrary<
  'processor' | 'processorNext'
>;

describe('credential sound forms', () => {
  it('take 169 and 147 bytes for the fixtures (254 and 233 signed) and expand back to the exact bytes, verified', () => {
    for (const [name, encode, verify, sizeBytes] of [
      [
        'terminal-credential',
        encodeTerminalCredentialSoundForm,
        verifyTerminalCredentialSoundForm,
        169,
      ],
      ['device-credential', encodeDeviceCredentialSoundForm, verifyDeviceCredentialSoundForm, 147],
    ] as const) {
      const signed = readProtocolFixture(name);
      const soundForm = encode(signed);
      expect(soundForm.length).toBe(sizeBytes);
      const verified = verify(soundForm, processorOptions);
      expect(verified.ok && hex(verified.value.credentialBytes)).toBe(hex(signed));
    }
  });

  it('property: terminal credential sound form → signed form is the identity, and verifies', () => {
    fc.assert(
      fc.property(terminalCredential, processorSigner, (credential, issuer) => {
        const signed = signTerminalCredential(credential, signers[issuer]);
        const verified = verifyTerminalCredentialSoundForm(
          encodeTerminalCredentialSoundForm(signed),
          processorOptions,
        );
        expect(verified.ok && hex(verified.value.credentialBytes)).toBe(hex(signed));
      }),
      credentialRuns,
    );
  });

  it('property: device credential sound form → signed form is the identity, and verifies', () => {
    fc.assert(
      fc.property(deviceCredential, processorSigner, (credential, issuer) => {
        const signed = signDeviceCredential(credential, signers[issuer]);
        const verified = verifyDeviceCredentialSoundForm(
          encodeDeviceCredentialSoundForm(signed),
          processorOptions,
        );
        expect(verified.ok && hex(verified.value.credentialBytes)).toBe(hex(signed));
      }),
      credentialRuns,
    );
  });

  it('a processor key prefix no trusted key has is KEY_NOT_FOUND', () => {
    const soundForm = encodeDeviceCredentialSoundForm(readProtocolFixture('device-credential'));
    expect(
      verifyDeviceCredentialSoundForm(soundForm, {
        ...processorOptions,
        processorKeys: [testPublicKey('processorNext')],
      }),
    ).toMatchObject({ ok: false, code: 'KEY_NOT_FOUND' });
  });

  it('decoding checks what the signed form checks (caps in ascending order)', () => {
    const signed = signDeviceCredential(fixtureDeviceCredential, signers.processor);
    const soundForm = encodeDeviceCredentialSoundForm(signed);
    expect(decodeDeviceCredentialSoundForm(soundForm).ok).toBe(true);
    expect(decodeTerminalCredentialSoundForm(soundForm)).toMatchObject({
      ok: false,
      code: 'LABEL_MISMATCH',
    });
    const twoCaps = signDeviceCredential(
      {
        ...fixtureDeviceCredential,
        offlineCaps: [
          { currency: 'CHF', perTransactionMax: 1n, cumulativeMax: 2n },
          { currency: 'EUR', perTransactionMax: 1n, cumulativeMax: 2n },
        ],
      },
      signers.processor,
    );
    const swapped = encodeDeviceCredentialSoundForm(twoCaps);
    const text = Buffer.from(swapped)
      .toString('latin1')
      .replace('CHF', 'XXX')
      .replace('EUR', 'CHF')
      .replace('XXX', 'EUR');
    expect(
      decodeDeviceCredentialSoundForm(new Uint8Array(Buffer.from(text, 'latin1'))),
    ).toMatchObject({ ok: false, code: 'FIELD_INVALID', field: 'offlineCaps/1/currency' });
  });

  it.each([
    ['terminal-credential', encodeTerminalCredentialSoundForm, verifyTerminalCredentialSoundForm],
    ['device-credential', encodeDeviceCredentialSoundForm, verifyDeviceCredentialSoundForm],
  ] as const)(
    'property: a %s sound form changed on the air never verifies',
    (name, encode, verify) => {
      const soundForm = encode(readProtocolFixture(name));
      fc.assert(
        fc.property(corruption(soundForm.length), (change) => {
          expect(verify(corrupted(soundForm, change), processorOptions).ok).toBe(false);
        }),
        { numRuns: 150 },
      );
    },
  );
});

describe('isSoundForm (the receiver’s check of what the modem heard)', () => {
  it('accepts each structure’s sound form and refuses other bytes, a wrong tag, a truncation', () => {
    const request = encodePaymentRequestSoundForm(readProtocolFixture('payment-request'));
    const forms = [
      request,
      encodeConsumerAuthorizationSoundForm(
        readProtocolFixture('consumer-authorization'),
        readProtocolFixture('payment-request'),
      ),
      encodeTerminalCredentialSoundForm(readProtocolFixture('terminal-credential')),
      encodeDeviceCredentialSoundForm(readProtocolFixture('device-credential')),
    ];
    for (const form of forms) expect(isSoundForm(form)).toBe(true);
    expect(isSoundForm(Uint8Array.from(Buffer.from('256f4a0105000405060a0b0c', 'hex')))).toBe(
      false,
    );
    expect(isSoundForm(new Uint8Array())).toBe(false);
    expect(
      isSoundForm(Uint8Array.of(soundFormTags.consumerAuthorization, ...request.subarray(1))),
    ).toBe(false);
    expect(isSoundForm(request.subarray(0, request.length - 1))).toBe(false);
  });
});
