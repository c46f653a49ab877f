import type { Es256PublicJwk } from '@settle/crypto';

/**
 * What a processor key signs. Each purpose has its own keys, so a token key can never sign a
 * credential (DESIGN §8).
 *
 * @example
 * ```ts
 * const purpose: CustodyPurpose = 'token-signing';
 * ```
 */
export type CustodyPurpose = 'token-signing' | 'credential-signing' | 'receipt-signing';

/**
 * Every purpose, in a fixed order.
 *
 * @example
 * ```ts
 * custodyPurposes.includes('credential-signing'); // true
 * ```
 */
export const custodyPurposes: readonly CustodyPurpose[] = [
  'token-signing',
  'credential-signing',
  'receipt-signing',
];

/**
 * The public half of a key held in custody, and its schedule. A key signs from `activatesAt` until
 * `retiresAt`; relying parties keep it published longer (until what it signed has expired), which is
 * what `publishedKeys` computes.
 *
 * @example
 * ```ts
 * const key: CustodyKey = { purpose: 'token-signing', kid, alg: 'ES256', publicJwk, activatesAt: new Date('2026-11-01T00:00:00Z') };
 * ```
 */
export interface CustodyKey {
  readonly purpose: CustodyPurpose;
  /** The RFC 7638 JWK thumbprint (SHA-256, base64url) of `publicJwk`. */
  readonly kid: string;
  readonly alg: 'ES256';
  readonly publicJwk: Es256PublicJwk;
  readonly activatesAt: Date;
  /** Absent: signs until a newer key activates. */
  readonly retiresAt?: Date;
}

/**
 * The port behind which the processor's signing keys sit (DESIGN §8). Private keys never leave it:
 * callers get public keys and signatures. Development and tests use `FileKeyCustody`; production binds
 * an adapter for its KMS or HSM (docs/security.md, "Key custody").
 *
 * @example
 * ```ts
 * const key = selectSigningKey(await custody.keys('token-signing'), new Date());
 * const signature = await custody.sign('token-signing', key.kid, signingInput); // raw r‖s, 64 bytes
 * ```
 */
export interface KeyCustody {
  /** Every key of the purpose that custody holds, in any order, retired ones included. */
  keys(purpose: CustodyPurpose): Promise<readonly CustodyKey[]>;
  /** An ES256 signature (raw r‖s, 64 bytes) over `data` with the named key of the purpose. */
  sign(purpose: CustodyPurpose, kid: string, data: Uint8Array): Promise<Uint8Array>;
}

/**
 * The Nest injection token under which a service provides its `KeyCustody`.
 *
 * @example
 * ```ts
 * constructor(@Inject(KEY_CUSTODY) private readonly custody: KeyCustody) {}
 * ```
 */
export const KEY_CUSTODY = 'settle.key-custody.KEY_CUSTODY';
