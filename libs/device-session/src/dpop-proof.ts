import { createHash, randomUUID } from 'node:crypto';
import { type JWK, SignJWT, importJWK } from 'jose';

/**
 * The arguments of {@link createDpopProof}.
 *
 * @example
 * ```ts
 * const input: CreateDpopProofInput = { privateJwk, htm: 'POST', htu: 'https://tokens.settle.example/v1/sessions' };
 * ```
 */
export interface CreateDpopProofInput {
  /** The P-256 binding key (private JWK); its public half goes into the proof's header. */
  readonly privateJwk: JWK;
  /** The request's method. */
  readonly htm: string;
  /** The request's URL without query and fragment. */
  readonly htu: string;
  /** The access token the request carries: its hash becomes `ath` (RFC 9449 §4.2). */
  readonly accessToken?: string;
  /** The server's last `DPoP-Nonce`, when it asked for one. */
  readonly nonce?: string;
  /** Defaults to now; tests pin it. */
  readonly now?: Date;
  /** Defaults to a random UUID. */
  readonly jti?: string;
}

/**
 * An RFC 9449 DPoP proof: a JWT with `typ: dpop+jwt`, ES256, the public key as `jwk`, and the claims
 * `jti`, `htm`, `htu`, `iat` (plus `ath` and `nonce` when given). One proof per request.
 *
 * @example
 * ```ts
 * const proof = await createDpopProof({ privateJwk, htm: 'GET', htu: 'https://api.settle.example/v1/payments', accessToken });
 * request.setHeader('DPoP', proof);
 * ```
 */
export async function createDpopProof(input: CreateDpopProofInput): Promise<string> {
  const { d: _private, key_ops: _ops, ext: _ext, ...publicJwk } = input.privateJwk;
  if (typeof _private !== 'string' || publicJwk.kty !== 'EC' || publicJwk.crv !== 'P-256')
    throw new TypeError('createDpopProof: privateJwk must be a private P-256 JWK');
  const claims: Record<string, string> = { htm: input.htm, htu: input.htu };
  if (input.accessToken !== undefined)
    claims['ath'] = createHash('sha256').update(input.accessToken, 'ascii').digest('base64url');
  if (input.nonce !== undefined) claims['nonce'] = input.nonce;
  const now = input.now ?? new Date();
  return new SignJWT(claims)
    .setProtectedHeader({
      alg: 'ES256',
      typ: 'dpop+jwt',
      jwk: { kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y },
    })
    .setJti(input.jti ?? randomUUID())
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .sign(await importJWK({ ...input.privateJwk, alg: 'ES256' }, 'ES256'));
}
