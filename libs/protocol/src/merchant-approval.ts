import { type SignatureAlgorithm, type SignatureBackend } from '@settle/crypto';
import {
  type ParsedSign1,
  type PreparedSign1,
  type ProtocolSigner,
  labelAad,
  parseSign1,
  prepareSign1,
  verifySign1,
} from './cose';
import { type ProtocolResult, protocolResult } from './errors';
import { checkSize, readTimeMs } from './fields';
import { protocolHeaderLabels, protocolLabels } from './labels';
import { consumerAuthorizationSizeMaxBytes, merchantApprovalSizeMaxBytes } from './limits';
import { type ProtocolPublicKey } from './protocol-keys';

/**
 * The terminal's approval of a consumer authorization: a COSE_Sign1_Tagged by the terminal's key
 * with the consumer authorization bytes as detached payload and `"settle/merchant-approval/v1"` as
 * external AAD; its protected header carries `alg`, `kid` (the terminal key's thumbprint) and the
 * approval time (label −65538), the time the verifier checks keys and expiry against.
 *
 * @example
 * ```ts
 * const { approvedAtMs } = unwrapProtocolResult(decodeMerchantApproval(bytes));
 * ```
 */
export interface MerchantApproval {
  readonly alg: SignatureAlgorithm;
  /** RFC 7638 thumbprint of the terminal's key (32 bytes). */
  readonly keyId: Uint8Array;
  /** When the terminal approved, in milliseconds since the Unix epoch. */
  readonly approvedAtMs: number;
  readonly protectedHeaderBytes: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * What {@link prepareMerchantApproval} signs.
 *
 * @example
 * ```ts
 * const input: MerchantApprovalInput = { authorizationBytes, approvedAtMs: nowMs, alg: 'ES256', keyId: terminalKeyId };
 * ```
 */
export interface MerchantApprovalInput {
  /** The consumer authorization exactly as received. */
  readonly authorizationBytes: Uint8Array;
  readonly approvedAtMs: number;
  readonly alg: SignatureAlgorithm;
  readonly keyId: Uint8Array;
}

const structure = 'a merchant approval';
const externalAad = labelAad(protocolLabels.merchantApproval);
const extraLabels = [protocolHeaderLabels.signedAtMs] as const;

function fromParsed(parsed: ParsedSign1): MerchantApproval {
  return {
    alg: parsed.alg,
    keyId: parsed.keyId,
    approvedAtMs: readTimeMs(
      parsed.extraProtected.get(protocolHeaderLabels.signedAtMs),
      'approvedAtMs',
    ),
    protectedHeaderBytes: parsed.protectedHeaderBytes,
    signature: parsed.signature,
  };
}

function parse(bytes: Uint8Array): ParsedSign1 {
  return parseSign1(bytes, {
    detached: true,
    extraLabels,
    sizeMaxBytes: merchantApprovalSizeMaxBytes,
    structure,
  });
}

/**
 * The two-step signing of a merchant approval (the terminal's key may be in a keystore).
 *
 * @example
 * ```ts
 * import { prepareMerchantApproval } from '@settle/protocol';
 * const prepared = prepareMerchantApproval({ authorizationBytes, approvedAtMs, alg: 'ES256', keyId });
 * const approvalBytes = prepared.complete(await terminalKey.sign(prepared.toBeSigned));
 * ```
 */
export function prepareMerchantApproval(input: MerchantApprovalInput): PreparedSign1 {
  checkSize(
    input.authorizationBytes,
    consumerAuthorizationSizeMaxBytes,
    'the consumer authorization',
  );
  return prepareSign1(
    {
      alg: input.alg,
      keyId: input.keyId,
      extraProtected: new Map([
        [protocolHeaderLabels.signedAtMs, readTimeMs(input.approvedAtMs, 'approvedAtMs')],
      ]),
      payload: input.authorizationBytes,
      detached: true,
      externalAad,
    },
    merchantApprovalSizeMaxBytes,
    structure,
  );
}

/**
 * Signs a merchant approval in one step with a synchronous signer.
 *
 * @example
 * ```ts
 * import { signMerchantApproval } from '@settle/protocol';
 * const approvalBytes = signMerchantApproval({ authorizationBytes, approvedAtMs }, terminalSigner);
 * ```
 */
export function signMerchantApproval(
  input: Omit<MerchantApprovalInput, 'alg' | 'keyId'>,
  signer: ProtocolSigner,
): Uint8Array {
  const prepared = prepareMerchantApproval({ ...input, alg: signer.alg, keyId: signer.keyId });
  return prepared.complete(signer.sign(prepared.toBeSigned));
}

/**
 * Decodes a merchant approval WITHOUT verifying it.
 *
 * @example
 * ```ts
 * import { decodeMerchantApproval } from '@settle/protocol';
 * const decoded = decodeMerchantApproval(approvalBytes);
 * ```
 */
export function decodeMerchantApproval(bytes: Uint8Array): ProtocolResult<MerchantApproval> {
  return protocolResult(() => fromParsed(parse(bytes)));
}

/**
 * Options of {@link verifyMerchantApproval}.
 *
 * @example
 * ```ts
 * const options: VerifyMerchantApprovalOptions = { authorizationBytes, terminalKey, algorithms: ['ES256'], backend: 'native' };
 * ```
 */
export interface VerifyMerchantApprovalOptions {
  /** The consumer authorization bytes the approval must cover (its detached payload). */
  readonly authorizationBytes: Uint8Array;
  readonly terminalKey: ProtocolPublicKey;
  readonly algorithms: readonly SignatureAlgorithm[];
  readonly backend: SignatureBackend;
}

/**
 * Verifies a merchant approval over the exact consumer authorization bytes with the terminal's key;
 * failures as {@link verifyConsumerAuthorization}.
 *
 * @example
 * ```ts
 * import { verifyMerchantApproval } from '@settle/protocol';
 * const approval = verifyMerchantApproval(approvalBytes, { authorizationBytes, terminalKey, algorithms: ['ES256'], backend: 'native' });
 * ```
 */
export function verifyMerchantApproval(
  bytes: Uint8Array,
  options: VerifyMerchantApprovalOptions,
): ProtocolResult<MerchantApproval> {
  return protocolResult(() => {
    checkSize(
      options.authorizationBytes,
      consumerAuthorizationSizeMaxBytes,
      'the consumer authorization',
    );
    const parsed = parse(bytes);
    const approval = fromParsed(parsed);
    verifySign1(parsed, {
      key: options.terminalKey,
      algorithms: options.algorithms,
      backend: options.backend,
      externalAad,
      payload: options.authorizationBytes,
    });
    return approval;
  });
}
