import {
  type JwkInput,
  type SignatureAlgorithm,
  type SignatureBackend,
  type VerifySignatureInput,
  CborTag,
  calculateJwkThumbprintBytes,
  encodeCborDeterministic,
  equalBytes,
  importPrivateJwk,
  sign,
  verifySignature,
} from '@settle/crypto';
import { coseHeaderLabels, coseSign1Tag } from './cose-constants';
import { encodeSign1SigStructure } from './cose-sig-structure';
import { ProtocolError, protocolAssert } from './errors';
import { checkSize, decodeProtocolCbor, mapKeyName } from './fields';
import { type ProtocolPublicKey, coseAlgorithmIdOf, readCoseAlgorithm } from './protocol-keys';

// COSE_Sign1 (RFC 9052) as the protocol uses it. Signing is split in two steps (the bytes to be
// signed, then the message from the signature) so that the key can live anywhere: a phone's secure
// hardware behind a biometric prompt, a terminal's keystore, the processor's HSM. Verification
// parses the exact layout the protocol allows (tagged, protected alg + kid + the structure's own
// labels, empty unprotected header, 64-byte signature) and checks the signature over the bytes
// received; every message it accepts is also accepted by the general, test-only `verifyCoseSign1`
// (libs/crypto/src/testing/cose-sign1-reference; a test checks it). Production's one COSE path.

const signatureLengthBytes = 64;
const keyIdLengthBytes = 32;

/**
 * Signs the protocol's COSE_Sign1 `ToBeSigned` bytes with one key. `sign` returns the raw 64-byte
 * signature (r‖s for ES256, convert a keystore's DER with `ecdsaDerToRaw`; R‖S for EdDSA).
 *
 * @example
 * ```ts
 * const signer: ProtocolSigner = { alg: 'ES256', keyId, sign: (toBeSigned) => hsm.sign(toBeSigned) };
 * ```
 */
export interface ProtocolSigner {
  readonly alg: SignatureAlgorithm;
  /** The 32-byte RFC 7638 thumbprint of the signer's public key; written to the protected header. */
  readonly keyId: Uint8Array;
  sign(toBeSigned: Uint8Array): Uint8Array;
}

/**
 * A {@link ProtocolSigner} over a private JWK held in memory: for tests, tools and software wallets.
 *
 * @example
 * ```ts
 * import { generateKeyPair } from '@settle/crypto';
 * import { softwareSigner } from '@settle/protocol';
 * const signer = softwareSigner(generateKeyPair('ES256').privateJwk, 'noble');
 * ```
 */
export function softwareSigner(privateJwk: JwkInput, backend: SignatureBackend): ProtocolSigner {
  const key = importPrivateJwk(privateJwk);
  const alg: SignatureAlgorithm = key.kty === 'EC' ? 'ES256' : 'EdDSA';
  const keyId = calculateJwkThumbprintBytes(key);
  return Object.freeze({
    alg,
    keyId,
    sign: (toBeSigned: Uint8Array) => sign({ alg, privateJwk: key, data: toBeSigned, backend }),
  });
}

/**
 * A COSE_Sign1 ready to be signed: the bytes to sign, and how to turn a signature into the message.
 *
 * @example
 * ```ts
 * const prepared = prepareConsumerAuthorization(input);
 * const message = prepared.complete(await keystore.sign(prepared.toBeSigned));
 * ```
 */
export interface PreparedSign1 {
  /** The protected header bytes, as they will be in the message. */
  readonly protectedHeaderBytes: Uint8Array;
  /** The RFC 9052 §4.4 Sig_structure: what the signer signs. */
  readonly toBeSigned: Uint8Array;
  /** The encoded COSE_Sign1_Tagged; throws `FIELD_INVALID` for a signature that is not 64 bytes. */
  complete(signature: Uint8Array): Uint8Array;
}

/** What a protocol COSE_Sign1 carries besides the standard `alg` and `kid`. */
export interface Sign1Content {
  readonly alg: SignatureAlgorithm;
  readonly keyId: Uint8Array;
  /** The structure's own protected header parameters (private-use labels), in any order. */
  readonly extraProtected: ReadonlyMap<number, unknown>;
  readonly payload: Uint8Array;
  readonly detached: boolean;
  readonly externalAad: Uint8Array;
}

/** Builds the protected header and the Sig_structure of a protocol COSE_Sign1. */
export function prepareSign1(
  content: Sign1Content,
  messageSizeMaxBytes: number,
  structure: string,
): PreparedSign1 {
  protocolAssert(content.keyId.length === keyIdLengthBytes, 'a key id is a 32-byte thumbprint');
  const header = new Map<number, unknown>([
    [coseHeaderLabels.alg, coseAlgorithmIdOf(content.alg)],
    [coseHeaderLabels.kid, content.keyId],
  ]);
  for (const [label, value] of content.extraProtected) header.set(label, value);
  const protectedHeaderBytes = encodeCborDeterministic(header);
  const toBeSigned = encodeSign1SigStructure(
    protectedHeaderBytes,
    content.externalAad,
    content.payload,
  );
  return {
    protectedHeaderBytes,
    toBeSigned,
    complete(signature: Uint8Array): Uint8Array {
      if (!(signature instanceof Uint8Array) || signature.length !== signatureLengthBytes) {
        throw new ProtocolError(
          'FIELD_INVALID',
          'signature',
          `a signature is ${signatureLengthBytes} raw bytes (r‖s)`,
        );
      }
      const message = encodeCborDeterministic(
        new CborTag(coseSign1Tag, [
          protectedHeaderBytes,
          new Map(),
          content.detached ? null : content.payload,
          signature,
        ]),
      );
      protocolAssert(
        message.length <= messageSizeMaxBytes,
        `${structure} of ${message.length} bytes fits its limit of ${messageSizeMaxBytes}`,
      );
      return message;
    },
  };
}

/** The parts of a protocol COSE_Sign1, checked for layout; the signature is NOT verified. */
export interface ParsedSign1 {
  readonly alg: SignatureAlgorithm;
  readonly keyId: Uint8Array;
  /** Exactly as received: what the signature covers, and what the transaction id hashes. */
  readonly protectedHeaderBytes: Uint8Array;
  /** The structure's own protected parameters, by label. */
  readonly extraProtected: ReadonlyMap<number, unknown>;
  /** `null` when detached. */
  readonly payload: Uint8Array | null;
  readonly signature: Uint8Array;
}

function coseInvalid(message: string, field = ''): ProtocolError {
  return new ProtocolError('COSE_INVALID', field, message);
}

function readProtectedHeader(
  bytes: Uint8Array,
  extraLabels: readonly number[],
): Pick<ParsedSign1, 'alg' | 'keyId' | 'extraProtected'> {
  const header = decodeProtocolCbor(bytes, 'protected');
  if (!(header instanceof Map))
    throw coseInvalid('the protected header must be a map', 'protected');
  const allowed = [coseHeaderLabels.alg, coseHeaderLabels.kid, ...extraLabels];
  for (const label of header.keys()) {
    if (!allowed.includes(label as number))
      throw new ProtocolError(
        'FIELD_UNKNOWN',
        `protected/${mapKeyName(label)}`,
        `protected header label ${mapKeyName(label)} is not allowed here`,
      );
  }
  for (const label of allowed) {
    if (!header.has(label))
      throw new ProtocolError(
        'FIELD_MISSING',
        `protected/${label}`,
        `protected header label ${label} is missing`,
      );
  }
  const alg = readCoseAlgorithm(header.get(coseHeaderLabels.alg), 'protected/alg');
  const keyId = header.get(coseHeaderLabels.kid);
  if (!(keyId instanceof Uint8Array) || keyId.length !== keyIdLengthBytes) {
    throw new ProtocolError(
      'FIELD_INVALID',
      'protected/kid',
      `kid must be a ${keyIdLengthBytes}-byte key id`,
    );
  }
  const extraProtected = new Map<number, unknown>(
    extraLabels.map((label) => [label, header.get(label)]),
  );
  return { alg, keyId: keyId.slice(), extraProtected };
}

/**
 * Parses a protocol COSE_Sign1_Tagged: size, strict CBOR (outer and protected header), tag 18,
 * four items, exactly the protected labels `alg`, `kid` and `extraLabels`, an empty unprotected
 * header, a payload that is `nil` when `detached`, a 64-byte signature.
 */
export function parseSign1(
  bytes: Uint8Array,
  options: {
    detached: boolean;
    extraLabels: readonly number[];
    sizeMaxBytes: number;
    structure: string;
  },
): ParsedSign1 {
  checkSize(bytes, options.sizeMaxBytes, options.structure);
  const outer = decodeProtocolCbor(bytes, '');
  if (!(outer instanceof CborTag) || Number(outer.tag) !== coseSign1Tag)
    throw coseInvalid(`${options.structure} must be a COSE_Sign1_Tagged (tag 18)`);
  const parts = outer.contents;
  if (!Array.isArray(parts) || parts.length !== 4)
    throw coseInvalid('a COSE_Sign1 is an array of four items');
  const protectedHeaderBytes: unknown = parts[0];
  const unprotectedHeader: unknown = parts[1];
  const payload: unknown = parts[2];
  const signature: unknown = parts[3];
  if (!(protectedHeaderBytes instanceof Uint8Array))
    throw coseInvalid('the protected header must be a byte string', 'protected');
  if (!(unprotectedHeader instanceof Map) || unprotectedHeader.size !== 0) {
    throw coseInvalid(
      'the unprotected header must be empty (nothing unsigned is ever acted on)',
      'unprotected',
    );
  }
  if (options.detached ? payload !== null : !(payload instanceof Uint8Array)) {
    throw coseInvalid(
      options.detached ? 'the payload must be detached (nil)' : 'the payload must be attached',
      'payload',
    );
  }
  if (!(signature instanceof Uint8Array) || signature.length !== signatureLengthBytes) {
    throw coseInvalid(`the signature must be ${signatureLengthBytes} bytes`, 'signature');
  }
  const header = readProtectedHeader(protectedHeaderBytes, options.extraLabels);
  return {
    alg: header.alg,
    keyId: header.keyId,
    extraProtected: header.extraProtected,
    protectedHeaderBytes,
    payload: payload as Uint8Array | null,
    signature,
  };
}

/** How {@link verifySign1} checks a signature. */
export interface VerifySign1Options {
  readonly key: ProtocolPublicKey;
  /** Allow-list; the message's `alg` must be in it and be the key's algorithm. */
  readonly algorithms: readonly SignatureAlgorithm[];
  readonly backend: SignatureBackend;
  readonly externalAad: Uint8Array;
  /** The payload: the detached one, or the parsed attached one. */
  readonly payload: Uint8Array;
}

/**
 * Checks a parsed COSE_Sign1 against a key: algorithm allowed and the key's, `kid` the key's id,
 * then the signature over the Sig_structure built from the bytes received. Throws
 * `ALGORITHM_NOT_ALLOWED`, `KEY_ID_MISMATCH` or `SIGNATURE_INVALID`.
 */
export function verifySign1(parsed: Sign1ToVerify, options: VerifySign1Options): void {
  if (!verifySignature(sign1SignatureInput(parsed, options))) throw sign1SignatureInvalid();
}

/** What {@link verifySign1} reads of a parsed COSE_Sign1. */
export type Sign1ToVerify = Pick<
  ParsedSign1,
  'alg' | 'keyId' | 'protectedHeaderBytes' | 'signature'
>;

/**
 * The checks of {@link verifySign1} before the signature (algorithm allowed and the key's, `kid` the
 * key's id; throws `ALGORITHM_NOT_ALLOWED` or `KEY_ID_MISMATCH`), then what the signature is verified
 * with: the Sig_structure built from the bytes received. For a caller that verifies it elsewhere
 * (`verifySignatureAsync`, in the threadpool) and throws {@link sign1SignatureInvalid} when it fails.
 */
export function sign1SignatureInput(
  parsed: Sign1ToVerify,
  options: VerifySign1Options,
): VerifySignatureInput {
  if (!options.algorithms.includes(parsed.alg))
    throw new ProtocolError(
      'ALGORITHM_NOT_ALLOWED',
      'protected/alg',
      `${parsed.alg} is not allowed here`,
    );
  if (parsed.alg !== options.key.alg) {
    throw new ProtocolError(
      'ALGORITHM_NOT_ALLOWED',
      'protected/alg',
      `the message says ${parsed.alg}, the key is an ${options.key.alg} key`,
    );
  }
  if (!equalBytes(parsed.keyId, options.key.keyId))
    throw new ProtocolError(
      'KEY_ID_MISMATCH',
      'protected/kid',
      'kid is not the id of the verification key',
    );
  const toBeSigned = encodeSign1SigStructure(
    parsed.protectedHeaderBytes,
    options.externalAad,
    options.payload,
  );
  return {
    alg: parsed.alg,
    jwk: options.key.publicJwk,
    data: toBeSigned,
    signature: parsed.signature,
    backend: options.backend,
  };
}

/** The failure of a signature that does not verify. */
export function sign1SignatureInvalid(): ProtocolError {
  return new ProtocolError('SIGNATURE_INVALID', 'signature', 'the signature does not verify');
}

const utf8 = new TextEncoder();

/** The external AAD of a detached-payload structure: its label, UTF-8. */
export function labelAad(label: string): Uint8Array {
  return utf8.encode(label);
}
