// The two ways a device proves its binding key on a request (DESIGN §7): an RFC 8471 TokenBindingMessage
// over this TLS connection's exporter value, or an RFC 9449 DPoP proof. Both yield the proven key.
import { TLSSocket } from 'node:tls';
import { verifyDpopProof } from '@settle/resource-guard';
import {
  exportTokenBindingKeyingMaterial,
  tokenBindingHeaderLengthMaxChars,
  verifyTokenBindingMessage,
} from '@settle/token-binding';

/** The key a request proved, and how. */
export interface ProvenKey {
  readonly mode: 'token-binding' | 'dpop';
  /** RFC 7638 thumbprint of the key (cnf.jkt). */
  readonly keyId: string;
  readonly x: string;
  readonly y: string;
  /** cnf.tbh, token-binding mode only. */
  readonly tokenBindingIdHash: string | null;
  /** Token-binding mode only: the connection's EKM (the challenge of fresh attestation evidence). */
  readonly ekm?: Uint8Array;
  /** DPoP mode only: the proof's jti (for the replay table) and until when it must be remembered. */
  readonly dpopJti?: string;
  readonly dpopRememberUntil?: Date;
}

/** Why a proof was refused: a stable code, the header it concerns, and the underlying reason. */
export interface ProofRefusal {
  readonly code: 'TLS_REQUIRED' | 'TOKEN_BINDING_INVALID' | 'DPOP_PROOF_INVALID';
  readonly field: string;
  readonly reason: string;
}

export type ProofResult =
  | { readonly ok: true; readonly key: ProvenKey }
  | { readonly ok: false; readonly refusal: ProofRefusal };

/** Verifies the Sec-Token-Binding header against the EKM of the connection the request arrived on. */
export function verifyTokenBindingProof(header: string, socket: unknown): ProofResult {
  const field = 'headers.sec-token-binding';
  if (!(socket instanceof TLSSocket) || socket.getProtocol() !== 'TLSv1.3') {
    return {
      ok: false,
      refusal: {
        code: 'TLS_REQUIRED',
        field,
        reason: 'token binding needs a TLS 1.3 connection to the issuer itself',
      },
    };
  }
  if (header.length > tokenBindingHeaderLengthMaxChars)
    return {
      ok: false,
      refusal: { code: 'TOKEN_BINDING_INVALID', field, reason: 'ERR_TB_MESSAGE_TOO_LARGE' },
    };
  const ekm = exportTokenBindingKeyingMaterial(socket);
  const result = verifyTokenBindingMessage({ header, ekm, allowedKeyParameters: ['ecdsap256'] });
  if (!result.ok)
    return { ok: false, refusal: { code: 'TOKEN_BINDING_INVALID', field, reason: result.code } };
  const { keyJwk, keyId, tokenBindingIdHash } = result.provided;
  return {
    ok: true,
    key: { mode: 'token-binding', keyId, x: keyJwk.x, y: keyJwk.y, tokenBindingIdHash, ekm },
  };
}

/**
 * Verifies an RFC 9449 DPoP proof with the resource guard's own rule (`verifyDpopProof` of
 * `@settle/resource-guard`: one implementation of the window, `htm`/`htu`, `jti` and `ath` checks), with
 * no server nonce: the issuer demands none (docs/token-issuer.md, "DPoP mode"). The caller records the
 * jti with `rememberDpopProofId` in its transaction.
 */
export async function verifyDpopBindingProof(input: {
  readonly proof: string;
  readonly method: string;
  readonly url: string;
  readonly accessToken?: string;
  readonly now: Date;
}): Promise<ProofResult> {
  const verified = await verifyDpopProof({
    proof: input.proof,
    method: input.method,
    url: input.url,
    ...(input.accessToken === undefined ? {} : { accessToken: input.accessToken }),
    nonces: null,
    clock: () => input.now,
  });
  if (!verified.ok)
    return {
      ok: false,
      refusal: {
        code: 'DPOP_PROOF_INVALID',
        field: 'headers.dpop',
        reason:
          verified.reason === undefined
            ? verified.detail
            : `${verified.detail} (${verified.reason})`,
      },
    };
  const { keyThumbprint, publicJwk, jti, replayExpiresAt } = verified;
  return {
    ok: true,
    key: {
      mode: 'dpop',
      keyId: keyThumbprint,
      x: publicJwk.x,
      y: publicJwk.y,
      tokenBindingIdHash: null,
      dpopJti: jti,
      dpopRememberUntil: replayExpiresAt,
    },
  };
}
