// App Attest assertions made in the test the way the Secure Enclave makes them: a P-256 key (node:crypto),
// authenticator data built by hand (rpIdHash ‖ flags ‖ big-endian counter), the DER ECDSA signature
// (SHA-256) over nonce = SHA-256(authenticatorData ‖ clientDataHash), and the CBOR map around them.
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import {
  type JwkInput,
  bytesToHex,
  calculateJwkThumbprint,
  encodeCborDeterministic,
} from '@settle/crypto';
import { AttestationError } from '../errors';
import {
  appAttestAssertionReasonCodes,
  appAttestAssertionSizeMaxBytes,
} from './app-attest-assertion-result';
import {
  type VerifyAppAttestAssertionInput,
  verifyAppAttestAssertion,
} from './verify-app-attest-assertion';

const appId = 'ABCDE12345.com.example.wallet';
const sha256 = (...parts: Uint8Array[]) =>
  new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());

function testKey(): { privateKey: KeyObject; publicJwk: JwkInput } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  return { privateKey, publicJwk: { kty, crv, x, y } };
}

interface AssertionOptions {
  readonly counter?: number;
  readonly appId?: string;
  readonly clientDataHash?: Uint8Array;
  readonly signer?: KeyObject;
  readonly alterAfterSigning?: (authenticatorData: Uint8Array) => Uint8Array;
  readonly members?: (signature: Uint8Array, authenticatorData: Uint8Array) => Map<string, unknown>;
}

const key = testKey();
const clientDataHash = sha256(new TextEncoder().encode('client data of this request'));

function makeAssertion(options: AssertionOptions = {}): Uint8Array {
  const counter = new Uint8Array(4);
  new DataView(counter.buffer).setUint32(0, options.counter ?? 1);
  const authenticatorData = new Uint8Array([
    ...sha256(new TextEncoder().encode(options.appId ?? appId)),
    0x40,
    ...counter,
  ]);
  const nonce = sha256(authenticatorData, options.clientDataHash ?? clientDataHash);
  const signature = new Uint8Array(sign('sha256', nonce, options.signer ?? key.privateKey)); // DER, SHA-256 over the nonce
  const sent = options.alterAfterSigning?.(authenticatorData) ?? authenticatorData;
  const members =
    options.members?.(signature, sent) ??
    new Map<string, unknown>([
      ['signature', signature],
      ['authenticatorData', sent],
    ]);
  return encodeCborDeterministic(members);
}

function input(
  overrides: Partial<VerifyAppAttestAssertionInput> = {},
): VerifyAppAttestAssertionInput {
  return {
    assertion: makeAssertion(),
    clientDataHash,
    publicKeyJwk: key.publicJwk,
    appId,
    previousCounter: 0,
    ...overrides,
  };
}

function reasonOf(overrides: Partial<VerifyAppAttestAssertionInput>): string {
  const result = verifyAppAttestAssertion(input(overrides));
  return result.ok ? `accepted:${result.verdict.counter}` : result.reasonCode;
}

describe('verifyAppAttestAssertion', () => {
  it('accepts a genuine assertion: the new counter and the key id', () => {
    const assertion = makeAssertion({ counter: 7 });
    // Deterministic CBOR puts "signature" (9 characters) first, as Apple's assertions have it.
    expect(bytesToHex(assertion.subarray(0, 11))).toBe(
      'a269' + Buffer.from('signature').toString('hex'),
    );
    expect(verifyAppAttestAssertion(input({ assertion, previousCounter: 6 }))).toEqual({
      ok: true,
      verdict: { counter: 7, keyId: calculateJwkThumbprint(key.publicJwk) },
    });
  });

  it('reads the counter as a big-endian uint32 (up to 2^32 − 1)', () => {
    expect(
      reasonOf({
        assertion: makeAssertion({ counter: 0x0102_0304 }),
        previousCounter: 0x0102_0303,
      }),
    ).toBe(`accepted:${0x0102_0304}`);
    expect(
      reasonOf({
        assertion: makeAssertion({ counter: 0xffff_ffff }),
        previousCounter: 0xffff_fffe,
      }),
    ).toBe(`accepted:${0xffff_ffff}`);
  });

  it('a wrong signature → SIGNATURE_INVALID (another signer, a flipped byte, raw r‖s instead of DER)', () => {
    expect(reasonOf({ assertion: makeAssertion({ signer: testKey().privateKey }) })).toBe(
      'SIGNATURE_INVALID',
    );
    const flipped = makeAssertion({
      members: (signature, data) =>
        new Map<string, unknown>([
          ['signature', Object.assign(signature.slice(), { [10]: signature[10]! ^ 1 })],
          ['authenticatorData', data],
        ]),
    });
    expect(reasonOf({ assertion: flipped })).toBe('SIGNATURE_INVALID');
    const raw = makeAssertion({
      members: (_signature, data) =>
        new Map<string, unknown>([
          ['signature', new Uint8Array(64)],
          ['authenticatorData', data],
        ]),
    });
    expect(reasonOf({ assertion: raw })).toBe('SIGNATURE_INVALID');
  });

  it('the wrong key → SIGNATURE_INVALID', () => {
    expect(reasonOf({ publicKeyJwk: testKey().publicJwk })).toBe('SIGNATURE_INVALID');
  });

  it('other client data (e.g. another connection’s EKM) or authenticator data altered after signing → SIGNATURE_INVALID', () => {
    expect(
      reasonOf({ clientDataHash: sha256(new TextEncoder().encode('other client data')) }),
    ).toBe('SIGNATURE_INVALID');
    const raised = makeAssertion({
      alterAfterSigning: (data) => Object.assign(data.slice(), { [36]: 9 }),
    });
    expect(reasonOf({ assertion: raised })).toBe('SIGNATURE_INVALID');
  });

  it('an assertion for another app → RP_ID_MISMATCH', () => {
    expect(reasonOf({ assertion: makeAssertion({ appId: 'ZZZZZ99999.com.evil.wallet' }) })).toBe(
      'RP_ID_MISMATCH',
    );
    expect(reasonOf({ appId: 'ABCDE12345.com.example.other' })).toBe('RP_ID_MISMATCH');
  });

  it('a counter not greater than the previous one → COUNTER_NOT_INCREASING (a replay, or an older assertion)', () => {
    expect(reasonOf({ assertion: makeAssertion({ counter: 5 }), previousCounter: 5 })).toBe(
      'COUNTER_NOT_INCREASING',
    );
    expect(reasonOf({ assertion: makeAssertion({ counter: 4 }), previousCounter: 5 })).toBe(
      'COUNTER_NOT_INCREASING',
    );
    expect(reasonOf({ assertion: makeAssertion({ counter: 0 }), previousCounter: 0 })).toBe(
      'COUNTER_NOT_INCREASING',
    );
  });

  it('malformed CBOR or structure → EVIDENCE_MALFORMED', () => {
    const assertion = makeAssertion();
    const malformed = [
      assertion.subarray(0, assertion.length - 1),
      new Uint8Array([...assertion, 0]),
      new Uint8Array([0xbf, 0xff]), // indefinite-length map
      encodeCborDeterministic([1, 2]),
      makeAssertion({
        members: (signature) => new Map<string, unknown>([['signature', signature]]),
      }),
      makeAssertion({
        members: (signature, data) =>
          new Map<string, unknown>([
            ['signature', signature],
            ['authenticatorData', data],
            ['extra', 1],
          ]),
      }),
      makeAssertion({
        members: (_signature, data) =>
          new Map<string, unknown>([
            ['signature', 'not bytes'],
            ['authenticatorData', data],
          ]),
      }),
      makeAssertion({ alterAfterSigning: (data) => new Uint8Array([...data, 0]) }),
      makeAssertion({ alterAfterSigning: (data) => data.subarray(0, 36) }),
    ];
    for (const bytes of malformed)
      expect(reasonOf({ assertion: bytes })).toBe('EVIDENCE_MALFORMED');
  });

  it('any map key order is read (RFC 8949 does not require Apple to sort); a key twice is not', () => {
    // cbor2's encoder sorts a Map, so the other order and the duplicate are built item by item.
    const item = (value: unknown) => [...encodeCborDeterministic(value)];
    let captured: [Uint8Array, Uint8Array] | undefined;
    makeAssertion({
      counter: 3,
      members: (signature, data) => (
        (captured = [signature, data]),
        new Map<string, unknown>([
          ['signature', signature],
          ['authenticatorData', data],
        ])
      ),
    });
    const [signature, data] = captured!;
    const reordered = new Uint8Array([
      0xa2,
      ...item('authenticatorData'),
      ...item(data),
      ...item('signature'),
      ...item(signature),
    ]);
    expect(bytesToHex(reordered.subarray(0, 2))).toBe('a271'); // authenticatorData (17 characters) first
    expect(reasonOf({ assertion: reordered })).toBe('accepted:3');
    const duplicated = new Uint8Array([
      0xa3,
      ...item('signature'),
      ...item(signature),
      ...item('authenticatorData'),
      ...item(data),
      ...item('signature'),
      ...item(signature),
    ]);
    expect(reasonOf({ assertion: duplicated })).toBe('EVIDENCE_MALFORMED');
  });

  it('an oversized assertion → EVIDENCE_TOO_LARGE, before it is decoded', () => {
    expect(reasonOf({ assertion: new Uint8Array(appAttestAssertionSizeMaxBytes + 1) })).toBe(
      'EVIDENCE_TOO_LARGE',
    );
  });

  it('throws ERR_INVALID_ARGUMENT for the caller’s mistakes', () => {
    const thrown = (overrides: Partial<VerifyAppAttestAssertionInput>) => {
      try {
        verifyAppAttestAssertion(input(overrides));
        return 'returned';
      } catch (error) {
        return error instanceof AttestationError ? error.code : String(error);
      }
    };
    expect(thrown({ clientDataHash: new Uint8Array(31) })).toBe('ERR_INVALID_ARGUMENT');
    expect(thrown({ appId: 'com.example.wallet' })).toBe('ERR_INVALID_ARGUMENT');
    expect(thrown({ previousCounter: -1 })).toBe('ERR_INVALID_ARGUMENT');
    expect(thrown({ previousCounter: 2 ** 32 })).toBe('ERR_INVALID_ARGUMENT');
    expect(
      thrown({
        publicKeyJwk: {
          kty: 'OKP',
          crv: 'Ed25519',
          x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
        },
      }),
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(thrown({ publicKeyJwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' } })).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });

  it('has a closed list of reason codes', () => {
    expect(appAttestAssertionReasonCodes).toEqual([
      'EVIDENCE_MALFORMED',
      'EVIDENCE_TOO_LARGE',
      'SIGNATURE_INVALID',
      'RP_ID_MISMATCH',
      'COUNTER_NOT_INCREASING',
    ]);
  });
});
