// Project Wycheproof vectors (C2SP/wycheproof, testvectors_v1, Apache-2.0; copies and licence in
// libs/crypto/vectors/wycheproof): every case, on both back ends.
//   valid      must verify
//   invalid    must not verify (false, or for the DER file a strict-DER rejection)
//   acceptable implementation-defined: the result of each back end is recorded and they must agree
// These files carry no `acceptable` case (the v1 vectors resolved them), which a test pins so that
// a refreshed copy that brings some back is noticed.
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { type SignatureBackend, signatureBackends } from '../algorithms';
import { isCryptoError } from '../errors';
import { type JwkInput } from '../keys/jwk';
import {
  type WycheproofCase,
  type WycheproofEcdsaGroup,
  type WycheproofEddsaGroup,
  type WycheproofFile,
  hex,
  readVectorFile,
  wycheproofCoordinateToBase64Url,
} from '../testing/vectors';
import { ecdsaDerToRaw } from './ecdsa-der';
import { verifySignature } from './verify-signature';

const p1363File = readVectorFile<WycheproofFile<WycheproofEcdsaGroup>>(
  'wycheproof/ecdsa_secp256r1_sha256_p1363_test.json',
);
const derFile = readVectorFile<WycheproofFile<WycheproofEcdsaGroup>>(
  'wycheproof/ecdsa_secp256r1_sha256_test.json',
);
const ed25519File = readVectorFile<WycheproofFile<WycheproofEddsaGroup>>(
  'wycheproof/ed25519_test.json',
);

interface FlatCase {
  readonly name: string;
  readonly testCase: WycheproofCase;
  readonly jwk: JwkInput;
  readonly group: WycheproofEcdsaGroup | WycheproofEddsaGroup;
}

function ecdsaJwk(group: WycheproofEcdsaGroup): JwkInput {
  return {
    kty: 'EC',
    crv: 'P-256',
    x: wycheproofCoordinateToBase64Url(group.publicKey.wx),
    y: wycheproofCoordinateToBase64Url(group.publicKey.wy),
  };
}

function flatten<Group extends WycheproofEcdsaGroup | WycheproofEddsaGroup>(
  file: WycheproofFile<Group>,
  jwkOf: (group: Group) => JwkInput,
): FlatCase[] {
  return file.testGroups.flatMap((group) =>
    group.tests.map((testCase) => ({
      name: `tcId ${testCase.tcId} ${testCase.result} [${testCase.flags.join(',')}] ${testCase.comment}`,
      testCase,
      jwk: jwkOf(group),
      group,
    })),
  );
}

const p1363Cases = flatten(p1363File, ecdsaJwk);
const derCases = flatten(derFile, ecdsaJwk);
const ed25519Cases = flatten(ed25519File, (group) => ({ ...group.publicKeyJwk }));

type Outcome = 'verified' | 'rejected';

/** Runs one case; a typed rejection of the key or the DER encoding counts as "rejected". */
function outcomeOf(
  alg: 'ES256' | 'EdDSA',
  flatCase: FlatCase,
  backend: SignatureBackend,
  signatureIsDer: boolean,
): Outcome {
  const { testCase, jwk } = flatCase;
  let signature: Uint8Array;
  try {
    signature = signatureIsDer ? ecdsaDerToRaw(hex(testCase.sig)) : hex(testCase.sig);
  } catch (error) {
    if (isCryptoError(error, 'ERR_ECDSA_SIGNATURE_ENCODING_INVALID')) return 'rejected';
    throw error;
  }
  return verifySignature({ alg, jwk, data: hex(testCase.msg), signature, backend })
    ? 'verified'
    : 'rejected';
}

function expectedOutcome(testCase: WycheproofCase): Outcome | undefined {
  if (testCase.result === 'valid') return 'verified';
  if (testCase.result === 'invalid') return 'rejected';
  return undefined;
}

describe('Wycheproof vector files', () => {
  it('hold the number of cases they declare, and no acceptable case', () => {
    for (const [file, cases] of [
      [p1363File, p1363Cases],
      [derFile, derCases],
      [ed25519File, ed25519Cases],
    ] as const) {
      expect(cases).toHaveLength(file.numberOfTests);
      expect(cases.filter((flatCase) => flatCase.testCase.result === 'acceptable')).toEqual([]);
    }
  });

  it('give the same P-256 JWK as Wycheproof does where it supplies one', () => {
    for (const group of p1363File.testGroups) {
      if (group.publicKeyJwk === undefined) continue;
      expect(ecdsaJwk(group)).toEqual({
        kty: 'EC',
        crv: 'P-256',
        x: group.publicKeyJwk.x,
        y: group.publicKeyJwk.y,
      });
    }
  });
});

describe.each(signatureBackends)('Wycheproof on the %s back end', (backend) => {
  describe('ECDSA P-256 SHA-256, raw r‖s (ecdsa_secp256r1_sha256_p1363_test.json)', () => {
    it.each(p1363Cases.map((flatCase) => [flatCase.name, flatCase] as const))(
      '%s',
      (_name, flatCase) => {
        const expected = expectedOutcome(flatCase.testCase);
        const outcome = outcomeOf('ES256', flatCase, backend, false);
        if (expected !== undefined) expect(outcome).toBe(expected);
      },
    );
  });

  describe('ECDSA P-256 SHA-256, DER converted to raw r‖s when strictly encoded (ecdsa_secp256r1_sha256_test.json)', () => {
    it.each(derCases.map((flatCase) => [flatCase.name, flatCase] as const))(
      '%s',
      (_name, flatCase) => {
        const expected = expectedOutcome(flatCase.testCase);
        const outcome = outcomeOf('ES256', flatCase, backend, true);
        if (expected !== undefined) expect(outcome).toBe(expected);
      },
    );
  });

  describe('Ed25519 (ed25519_test.json)', () => {
    it.each(ed25519Cases.map((flatCase) => [flatCase.name, flatCase] as const))(
      '%s',
      (_name, flatCase) => {
        const expected = expectedOutcome(flatCase.testCase);
        const outcome = outcomeOf('EdDSA', flatCase, backend, false);
        if (expected !== undefined) expect(outcome).toBe(expected);
      },
    );
  });
});

describe('Wycheproof: the two back ends agree on every case, acceptable ones included', () => {
  it.each([
    ['P1363', 'ES256', p1363Cases, false],
    ['DER', 'ES256', derCases, true],
    ['Ed25519', 'EdDSA', ed25519Cases, false],
  ] as const)('%s', (_file, alg, cases, signatureIsDer) => {
    const native = cases.map((flatCase) => outcomeOf(alg, flatCase, 'native', signatureIsDer));
    const noble = cases.map((flatCase) => outcomeOf(alg, flatCase, 'noble', signatureIsDer));
    expect(noble).toEqual(native);
  });
});

describe('Wycheproof DER: the strict DER-to-raw conversion agrees with OpenSSL reading the DER itself', () => {
  it('gives the same outcome as node:crypto with dsaEncoding der on every case', () => {
    const disagreements = derCases.filter((flatCase) => {
      const key = createPublicKey({
        key: Buffer.from(flatCase.group.publicKeyDer, 'hex'),
        format: 'der',
        type: 'spki',
      });
      let openSslOutcome: Outcome;
      try {
        openSslOutcome = nodeVerify(
          'sha256',
          hex(flatCase.testCase.msg),
          { key, dsaEncoding: 'der' },
          hex(flatCase.testCase.sig),
        )
          ? 'verified'
          : 'rejected';
      } catch {
        openSslOutcome = 'rejected';
      }
      return openSslOutcome !== outcomeOf('ES256', flatCase, 'native', true);
    });
    expect(disagreements.map((flatCase) => flatCase.name)).toEqual([]);
  });
});
