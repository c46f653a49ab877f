// TEST-ONLY REFERENCE — not production code, not exported from @settle/crypto.
//
// A general COSE_Sign1 (RFC 9052): sign, verify and decode any well-formed message, built on the
// strict CBOR decoder and the general deterministic encoder. Production has one COSE_Sign1 path,
// the offline protocol's exact-layout one in libs/protocol/src/cose.ts; this independent
// implementation is the oracle its tests check it against ("every message the protocol accepts is
// also accepted by verifyCoseSign1") and the comparison point of bench/crypto.bench.ts. Its own
// tests (cose-sign1.spec.ts) pin it to the RFC's examples.
export {
  type CoseHeaderLabel,
  type CoseHeaderMap,
  coseHeaderLabels,
  coseMessageSizeMaxBytes,
  coseSign1Tag,
} from './reference-constants';
export { type SignCoseSign1Options, signCoseSign1 } from './sign-cose-sign1';
export {
  type VerifiedCoseSign1,
  type VerifyCoseSign1Options,
  verifyCoseSign1,
} from './verify-cose-sign1';
export { type UnverifiedCoseSign1Header, decodeCoseSign1Header } from './decode-cose-sign1-header';
