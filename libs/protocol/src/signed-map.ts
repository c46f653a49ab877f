import { type SignatureAlgorithm, type SignatureBackend } from '@settle/crypto';
import {
  type ParsedSign1,
  type PreparedSign1,
  parseSign1,
  prepareSign1,
  verifySign1,
} from './cose';
import { protocolAssert } from './errors';
import { encodeLabelledMap, decodeLabelledMap } from './fields';
import { type ProtocolPublicKey, findProtocolKey } from './protocol-keys';

// The processor-signed structures (credentials, confirmations) are COSE_Sign1_Tagged messages whose
// attached payload is a labelled map: the label is inside the signed payload itself, so no external
// AAD is needed, and the processor's key id in the protected header says which of its keys to use.

const noExternalAad = new Uint8Array(0);

/** Who signs a processor-signed structure (its algorithm and key id go into the protected header). */
export interface SignerIdentity {
  readonly alg: SignatureAlgorithm;
  readonly keyId: Uint8Array;
}

/** Prepares a COSE_Sign1 over the labelled map of `values`. */
export function prepareSignedMap(
  label: string,
  values: readonly unknown[],
  signer: SignerIdentity,
  sizeMaxBytes: number,
  structure: string,
): PreparedSign1 {
  const payload = encodeLabelledMap(label, values);
  protocolAssert(
    payload.length < sizeMaxBytes,
    `the payload of ${structure} leaves room for its signature`,
  );
  return prepareSign1(
    {
      alg: signer.alg,
      keyId: signer.keyId,
      extraProtected: new Map(),
      payload,
      detached: false,
      externalAad: noExternalAad,
    },
    sizeMaxBytes,
    structure,
  );
}

/** A processor-signed map, parsed but NOT verified. */
export interface ParsedSignedMap {
  readonly sign1: ParsedSign1;
  /** The values of keys 1… of the payload map, in order. */
  readonly values: unknown[];
}

/** Parses a processor-signed map: the COSE layout, then the payload as a labelled map. */
export function parseSignedMap(
  bytes: Uint8Array,
  label: string,
  fieldNames: readonly string[],
  sizeMaxBytes: number,
  structure: string,
): ParsedSignedMap {
  const sign1 = parseSign1(bytes, { detached: false, extraLabels: [], sizeMaxBytes, structure });
  protocolAssert(sign1.payload !== null, 'an attached payload');
  return { sign1, values: decodeLabelledMap(sign1.payload, label, fieldNames) };
}

/**
 * How a processor-signed structure (credential, confirmation) is verified: the processor's current
 * public keys for that purpose and an algorithm allow-list.
 *
 * @example
 * ```ts
 * const options: VerifySignedOptions = { processorKeys: [protocolPublicKey(credentialJwk)], algorithms: ['ES256'], backend: 'noble' };
 * ```
 */
export interface VerifySignedOptions {
  /** The processor's public keys for this purpose (several during a rotation); the `kid` picks one. */
  readonly processorKeys: readonly ProtocolPublicKey[];
  readonly algorithms: readonly SignatureAlgorithm[];
  readonly backend: SignatureBackend;
}

/** Verifies a parsed processor-signed map: `KEY_NOT_FOUND`, `ALGORITHM_NOT_ALLOWED`, `SIGNATURE_INVALID`. */
export function verifySignedMap(parsed: ParsedSignedMap, options: VerifySignedOptions): void {
  const key = findProtocolKey(options.processorKeys, parsed.sign1.keyId);
  protocolAssert(parsed.sign1.payload !== null, 'an attached payload');
  verifySign1(parsed.sign1, {
    key,
    algorithms: options.algorithms,
    backend: options.backend,
    externalAad: noExternalAad,
    payload: parsed.sign1.payload,
  });
}
