// The two ways a device proves its binding key on a request (DESIGN §7): an RFC 8471 TokenBindingMessage
// over this TLS connection's exporter value, or an RFC 9449 DPoP proof. Both yield the proven key.
import { TLSSocket } from 'node:tls';
import { jwtTypes } from '@settle/contracts';
import { accessTokenHash, normalizeHtu } from '@settle/resource-guard';
import { exportTokenBindingKeyingMaterial, tokenBindingHeaderLengthMaxChars, verifyTokenBindingMessage } from '@settle/token-binding';
import { EmbeddedJWK, calculateJwkThumbprint, jwtVerify } from 'jose';

/** A DPoP proof is accepted this long after its `iat` (plus the clock skew either side). */
export const dpopProofAgeMaxMs = 60_000;
/** Longest DPoP header accepted (a P-256 proof is ~600 characters). */
export const dpopProofLengthMaxChars = 4_096;
/** Longest `jti` of a DPoP proof stored in the replay table. */
export const dpopJtiLengthMaxChars = 128;

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

export type ProofResult = { readonly ok: true; readonly key: ProvenKey } | { readonly ok: false; readonly refusal: ProofRefusal };

/** Verifies the Sec-Token-Binding header against the EKM of the connection the request arrived on. */
export function verifyTokenBindingProof(header: string, socket: unknown): ProofResult {
  const field = 'headers.sec-token-binding';
  if (!(socket instanceof TLSSocket) || socket.getProtocol() !== 'TLSv1.3') {
    return { ok: false, refusal: { code: 'TLS_REQUIRED', field, reason: 'token binding needs a TLS 1.3 connection to the issuer itself' } };
  }
  if (header.length > tokenBindingHeaderLengthMaxChars) return { ok: false, refusal: { code: 'TOKEN_BINDING_INVALID', field, reason: 'ERR_TB_MESSAGE_TOO_LARGE' } };
  const ekm = exportTokenBindingKeyingMaterial(socket);
  const result = verifyTokenBindingMessage({ header, ekm, allowedKeyParameters: ['ecdsap256'] });
  if (!result.ok) return { ok: false, refusal: { code: 'TOKEN_BINDING_INVALID', field, reason: result.code } };
  const { keyJwk, keyId, tokenBindingIdHash } = result.provided;
  return { ok: true, key: { mode: 'token-binding', keyId, x: keyJwk.x, y: keyJwk.y, tokenBindingIdHash, ekm } };
}

/**
 * Verifies an RFC 9449 DPoP proof: `typ: dpop+jwt`, ES256, the public key embedded as `jwk`, `htm` and
 * `htu` of this request, `iat` within the window, a `jti`, and `ath` when an access token accompanies
 * it. The caller records the jti (replay table) in its transaction.
 */
export async function verifyDpopProof(input: {
  readonly proof: string;
  readonly method: string;
  readonly url: string;
  readonly accessToken?: string;
  readonly now: Date;
  readonly clockSkewMs: number;
}): Promise<ProofResult> {
  const refuse = (reason: string): ProofResult => ({ ok: false, refusal: { code: 'DPOP_PROOF_INVALID', field: 'headers.dpop', reason } });
  if (input.proof.length > dpopProofLengthMaxChars) return refuse('the proof is too long');
  let verified;
  try {
    verified = await jwtVerify(input.proof, EmbeddedJWK, { typ: jwtTypes.dpopProof, algorithms: ['ES256'], currentDate: input.now, clockTolerance: Math.ceil(input.clockSkewMs / 1000) });
  } catch (error) {
    return refuse(`the proof does not verify (${(error as { code?: string }).code ?? 'invalid'})`);
  }
  const { payload, protectedHeader } = verified;
  const jwk = protectedHeader.jwk;
  if (jwk?.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') return refuse('jwk must be a P-256 public key');
  if (payload['htm'] !== input.method) return refuse(`htm must be ${input.method}`);
  const htu = typeof payload['htu'] === 'string' ? normalizeHtu(payload['htu']) : null;
  if (htu === null || htu !== normalizeHtu(input.url)) return refuse(`htu must be ${input.url}`);
  const iatMs = typeof payload.iat === 'number' ? payload.iat * 1000 : NaN;
  const nowMs = input.now.getTime();
  if (!(iatMs >= nowMs - dpopProofAgeMaxMs - input.clockSkewMs && iatMs <= nowMs + input.clockSkewMs)) return refuse('iat is missing or outside the accepted window');
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > dpopJtiLengthMaxChars) return refuse(`jti must be a string of 1 to ${dpopJtiLengthMaxChars} characters`);
  if (input.accessToken !== undefined && payload['ath'] !== accessTokenHash(input.accessToken)) return refuse('ath must be the hash of the access token presented');
  const keyId = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'sha256');
  return {
    ok: true,
    key: { mode: 'dpop', keyId, x: jwk.x, y: jwk.y, tokenBindingIdHash: null, dpopJti: payload.jti, dpopRememberUntil: new Date(iatMs + dpopProofAgeMaxMs + 2 * input.clockSkewMs) },
  };
}
