// Terminal credential, device credential and processor confirmation: the processor-signed structures.
import fc from 'fast-check';
import { Tag } from 'cbor2';
import { decodeCborStrict, encodeCborDeterministic } from '@settle/crypto';
import {
  type ProtocolResult,
  decodeDeviceCredential,
  decodeProcessorConfirmation,
  decodeTerminalCredential,
  prepareDeviceCredential,
  prepareTerminalCredential,
  signDeviceCredential,
  signProcessorConfirmation,
  signTerminalCredential,
  verifyDeviceCredential,
  verifyProcessorConfirmation,
  verifyTerminalCredential,
} from './index';
import {
  fixtureDeviceCredential,
  fixtureTerminalCredential,
  readProtocolFixture,
  testPublicKey,
  testSigner,
} from './testing/protocol-fixtures';

const processorKeys = [testPublicKey('processorNext'), testPublicKey('processor')];
const options = { processorKeys, algorithms: ['ES256'] as const, backend: 'native' as const };

const structures: Array<
  [string, (bytes: Uint8Array, opts: typeof options) => ProtocolResult<unknown>]
> = [
  ['terminal-credential', verifyTerminalCredential],
  ['device-credential', verifyDeviceCredential],
  ['processor-confirmation', verifyProcessorConfirmation],
];

/** Re-signs the fixture's payload map after `change`, with the processor key. */
function resignedPayload(
  name: string,
  change: (payload: Map<unknown, unknown>) => void,
): Uint8Array {
  const [protectedHeader, , payload] = (decodeCborStrict(readProtocolFixture(name)) as Tag)
    .contents as [Uint8Array, unknown, Uint8Array];
  const map = decodeCborStrict(payload) as Map<unknown, unknown>;
  change(map);
  const newPayload = encodeCborDeterministic(map);
  const toBeSigned = encodeCborDeterministic([
    'Signature1',
    protectedHeader,
    new Uint8Array(0),
    newPayload,
  ]);
  return encodeCborDeterministic(
    new Tag(18, [protectedHeader, new Map(), newPayload, testSigner('processor').sign(toBeSigned)]),
  );
}

describe('processor-signed structures', () => {
  it.each(structures)('%s verifies with the processor key its kid names', (name, verify) => {
    expect(verify(readProtocolFixture(name), options).ok).toBe(true);
  });

  it.each(structures)(
    '%s: a kid no known key has is KEY_NOT_FOUND (key rotation needs the old key listed)',
    (name, verify) => {
      expect(
        verify(readProtocolFixture(name), {
          ...options,
          processorKeys: [testPublicKey('processorNext')],
        }),
      ).toMatchObject({ ok: false, code: 'KEY_NOT_FOUND' });
    },
  );

  it.each(structures)(
    '%s property: any single-byte corruption fails verification',
    (name, verify) => {
      const bytes = readProtocolFixture(name);
      fc.assert(
        fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (index, delta) => {
          const corrupted = bytes.slice();
          corrupted[index] = corrupted[index]! ^ delta;
          expect(verify(corrupted, options).ok).toBe(false);
        }),
        { numRuns: 150 },
      );
    },
  );

  it('a payload signed correctly but of another structure is refused by its label', () => {
    const relabelled = resignedPayload('device-credential', (map) =>
      map.set(0, 'settle/terminal-credential/v1'),
    );
    expect(verifyDeviceCredential(relabelled, options)).toMatchObject({
      ok: false,
      code: 'LABEL_MISMATCH',
    });
    expect(verifyTerminalCredential(relabelled, options)).toMatchObject({
      ok: false,
      code: 'FIELD_MISSING',
    });
  });
});

describe('terminal credential', () => {
  it('carries the verified merchant name and the terminal key', () => {
    const result = verifyTerminalCredential(readProtocolFixture('terminal-credential'), options);
    expect(result).toMatchObject({
      ok: true,
      value: { credential: { merchantDisplayName: 'Café Olé', terminalId: 'trm_9Kx3PqL7vWm2Ra' } },
    });
    expect(result.ok && result.value.credential.terminalKey.keyId).toEqual(
      testPublicKey('terminal').keyId,
    );
  });

  it.each([
    [
      'a right-to-left override in the name',
      (map: Map<unknown, unknown>) => map.set(2, 'Bank\u202Ekcab'),
      'merchantDisplayName',
    ],
    [
      'a 129-character name',
      (map: Map<unknown, unknown>) => map.set(2, 'é'.repeat(129)),
      'merchantDisplayName',
    ],
    [
      'a public key not on the curve (x ≥ p)',
      (map: Map<unknown, unknown>) =>
        map.set(5, Uint8Array.from([2, ...new Array<number>(32).fill(0xff)])),
      'terminalPublicKey',
    ],
    [
      'an Ed25519 alg with a P-256 key',
      (map: Map<unknown, unknown>) => map.set(4, -8),
      'terminalPublicKey',
    ],
    [
      'validity ending before it starts',
      (map: Map<unknown, unknown>) => map.set(7, 0),
      'validUntilMs',
    ],
  ])('rejects %s', (_name, change, field) => {
    expect(decodeTerminalCredential(resignedPayload('terminal-credential', change))).toMatchObject({
      ok: false,
      code: 'FIELD_INVALID',
      field,
    });
  });

  it('accepts a 128-character name of 4-byte characters within its size limit', () => {
    const bytes = signTerminalCredential(
      { ...fixtureTerminalCredential, merchantDisplayName: '😀'.repeat(128) },
      testSigner('processor'),
    );
    expect(bytes.length).toBeLessThanOrEqual(1024);
    expect(verifyTerminalCredential(bytes, options).ok).toBe(true);
  });

  it('refuses to sign an invalid credential', () => {
    expect(() =>
      prepareTerminalCredential(
        { ...fixtureTerminalCredential, terminalId: '' },
        testSigner('processor'),
      ),
    ).toThrow(expect.objectContaining({ code: 'FIELD_INVALID', field: 'terminalId' }));
  });
});

describe('device credential', () => {
  it('carries the payment key, the caps and the check-in time', () => {
    const result = decodeDeviceCredential(readProtocolFixture('device-credential'));
    expect(result).toMatchObject({
      ok: true,
      value: {
        credential: {
          deviceId: 'dev_2Nc6RtH8yJq4Ze',
          offlineCaps: [{ currency: 'EUR', perTransactionMax: 5000n, cumulativeMax: 15000n }],
        },
      },
    });
  });

  it.each([
    [
      'two caps of one currency',
      [
        ['EUR', 1, 2],
        ['EUR', 1, 2],
      ],
      'offlineCaps/1/currency',
    ],
    [
      'caps out of order',
      [
        ['USD', 1, 2],
        ['EUR', 1, 2],
      ],
      'offlineCaps/1/currency',
    ],
    [
      'a per-transaction cap above the cumulative one',
      [['EUR', 3, 2]],
      'offlineCaps/0/perTransactionMax',
    ],
    ['no caps', [], 'offlineCaps'],
    ['a cap that is not a triple', [['EUR', 1]], 'offlineCaps/0'],
  ])('rejects %s', (_name, caps, field) => {
    expect(
      decodeDeviceCredential(resignedPayload('device-credential', (map) => map.set(4, caps))),
    ).toMatchObject({ ok: false, code: 'FIELD_INVALID', field });
  });

  it('round-trips an Ed25519 payment key and several currencies', () => {
    const credential = {
      ...fixtureDeviceCredential,
      paymentKey: testPublicKey('deviceEd25519'),
      offlineCaps: [
        { currency: 'CHF', perTransactionMax: 5000n, cumulativeMax: 20000n },
        { currency: 'EUR', perTransactionMax: 5000n, cumulativeMax: 15000n },
      ],
    };
    const result = verifyDeviceCredential(
      signDeviceCredential(credential, testSigner('processor')),
      options,
    );
    expect(result).toMatchObject({
      ok: true,
      value: { credential: { ...credential, paymentKey: { alg: 'EdDSA' } } },
    });
  });

  it('refuses to sign caps that are not in currency order', () => {
    const caps = [
      ...fixtureDeviceCredential.offlineCaps,
      { currency: 'CHF', perTransactionMax: 1n, cumulativeMax: 1n },
    ];
    expect(() =>
      prepareDeviceCredential(
        { ...fixtureDeviceCredential, offlineCaps: caps },
        testSigner('processor'),
      ),
    ).toThrow(expect.objectContaining({ code: 'FIELD_INVALID' }));
  });
});

describe('processor confirmation', () => {
  const confirmation = {
    transactionId: new Uint8Array(32).fill(7),
    terminalId: 'trm_9Kx3PqL7vWm2Ra',
    amount: 1250n,
    currency: 'EUR',
    outcome: 'rejected' as const,
    reasonCode: 'COUNTER_REUSED',
    confirmedAtMs: 1,
  };

  it('round-trips a rejection with its reason code', () => {
    const bytes = signProcessorConfirmation(confirmation, testSigner('processor'));
    expect(verifyProcessorConfirmation(bytes, options)).toMatchObject({
      ok: true,
      value: { confirmation },
    });
  });

  it('requires a reason exactly when rejected', () => {
    expect(() =>
      signProcessorConfirmation({ ...confirmation, reasonCode: null }, testSigner('processor')),
    ).toThrow(expect.objectContaining({ field: 'reasonCode' }));
    expect(() =>
      signProcessorConfirmation({ ...confirmation, outcome: 'accepted' }, testSigner('processor')),
    ).toThrow(expect.objectContaining({ field: 'reasonCode' }));
    expect(
      decodeProcessorConfirmation(
        resignedPayload('processor-confirmation', (map) => map.set(5, 'maybe')),
      ),
    ).toMatchObject({ ok: false, field: 'outcome' });
  });
});
