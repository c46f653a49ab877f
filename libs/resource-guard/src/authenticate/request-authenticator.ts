import { type TLSSocket } from 'node:tls';
import {
  type AccessTokenAttestation,
  type AccessTokenClaims,
  type PrincipalRole,
  authHeaders,
  authSchemes,
} from '@settle/contracts';
import { type Clock, systemClock } from '@settle/crypto';
import { exportTokenBindingKeyingMaterial, isTokenBindingError } from '@settle/token-binding';
import {
  JwksStaleError,
  JwksUnavailableError,
  type JwksKeyStore,
} from '../access-token/jwks-key-store';
import { VerifiedTokenCache } from '../access-token/verified-token-cache';
import { verifyAccessToken } from '../access-token/verify-access-token';
import { type ResourceGuardSettings } from '../config/resource-guard-config';
import { DpopNonces } from '../dpop/dpop-nonce';
import { type DpopReplayCache } from '../dpop/dpop-replay-cache';
import { verifyDpopProof } from '../dpop/verify-dpop-proof';
import { type BindingKeyStatus } from '../key-status/binding-key-status';
import { type Rejection, reject, rejectionResponses } from '../rejections';
import {
  TokenBindingCache,
  verifyTokenBindingForToken,
} from '../token-binding/verify-token-binding';

/** `realm` of every challenge. */
export const authenticationRealm = 'settle';

/**
 * Who made an authenticated request: what handlers see (`@AuthenticatedPrincipal()`).
 *
 * @example
 * handle(@AuthenticatedPrincipal() principal: Principal) { return this.store.devicesOf(principal.owner); }
 */
export interface Principal {
  /** Device or terminal id (`sub`). */
  readonly subject: string;
  /** Account id (device) or merchant id (terminal). */
  readonly owner: string;
  readonly role: PrincipalRole;
  /** The session (`sid`) the token belongs to. */
  readonly sessionId: string;
  /** RFC 7638 thumbprint of the binding key that proved possession on this request (`cnf.jkt`). */
  readonly keyId: string;
  readonly attestation: AccessTokenAttestation;
}

/** The part of an HTTP request the guard reads; a Node `IncomingMessage` satisfies it. */
export interface GuardRequest {
  readonly method?: string | undefined;
  /** The path and query as received (`originalUrl` under Express, `url` otherwise). */
  readonly url?: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The connection: a `TLSSocket` when TLS ends in this process. */
  readonly socket: object | null;
}

/** The guard's verdict: the principal, or a rejection; either way headers to add to the response. */
export type AuthenticationOutcome =
  | {
      readonly ok: true;
      readonly principal: Principal;
      readonly headers: Readonly<Record<string, string>>;
    }
  | (Rejection & {
      readonly status: 401 | 403 | 503;
      readonly headers: Readonly<Record<string, string>>;
    });

/** What a {@link RequestAuthenticator} checks against. */
export interface RequestAuthenticatorOptions {
  readonly settings: ResourceGuardSettings;
  readonly keys: JwksKeyStore;
  readonly keyStatus: BindingKeyStatus;
  /** Required in DPoP mode. */
  readonly replayCache?: DpopReplayCache;
  readonly clock?: Clock;
}

/**
 * The resource-server guard without Nest (DESIGN §7): the access token, then proof of possession of
 * the key it names — an RFC 8471 binding over this connection's EKM, or an RFC 9449 DPoP proof —
 * then the key's current state, then the route's roles. Tokens never reach a log line or an error.
 *
 * @example
 * const authenticator = new RequestAuthenticator({ settings, keys, keyStatus });
 * const outcome = await authenticator.authenticate(request, ['consumer-device']);
 */
export class RequestAuthenticator {
  readonly bindingCache = new TokenBindingCache();
  readonly tokenCache = new VerifiedTokenCache();
  private readonly nonces: DpopNonces | null;
  private readonly clock: Clock;

  constructor(private readonly options: RequestAuthenticatorOptions) {
    const { settings } = options;
    this.clock = options.clock ?? systemClock;
    this.nonces = settings.mode === 'dpop' ? new DpopNonces(settings.nonceSecrets) : null;
    if (settings.mode === 'dpop' && options.replayCache === undefined)
      throw new Error('RequestAuthenticator: DPoP mode needs a replay cache');
  }

  get mode(): ResourceGuardSettings['mode'] {
    return this.options.settings.mode;
  }

  /** A fresh DPoP nonce (for a nonce endpoint or a first response); null in token-binding mode. */
  issueNonce(): string | null {
    return this.nonces?.issue(Math.floor(this.clock().getTime() / 1000)) ?? null;
  }

  async authenticate(
    request: GuardRequest,
    roles: readonly PrincipalRole[] = [],
  ): Promise<AuthenticationOutcome> {
    let renewNonce = false;
    let result: { ok: true; claims: AccessTokenClaims } | Rejection;
    try {
      result = await this.verify(request, (renew) => (renewNonce = renew));
    } catch (error) {
      if (!(error instanceof JwksUnavailableError) && !isInfrastructureError(error)) throw error;
      result =
        error instanceof JwksStaleError
          ? reject(
              'ISSUER_KEYS_STALE',
              'The token issuer’s keys are too old to trust and it cannot be reached; retry later.',
              error.code,
            )
          : reject(
              'AUTHENTICATION_UNAVAILABLE',
              'Credentials cannot be checked right now; retry later.',
              error instanceof Error ? error.name : 'unknown',
            );
    }
    if (result.ok && roles.length > 0 && !roles.includes(result.claims.role)) {
      result = reject('ROLE_FORBIDDEN', `This operation is for ${roles.join(' or ')} credentials.`);
    }
    if (!result.ok)
      return {
        ...result,
        status: rejectionResponses[result.code].status,
        headers: this.challengeHeaders(result),
      };
    const { claims } = result;
    const nonce = renewNonce ? this.issueNonce() : null;
    return {
      ok: true,
      principal: {
        subject: claims.sub,
        owner: claims.owner,
        role: claims.role,
        sessionId: claims.sid,
        keyId: claims.cnf.jkt,
        attestation: claims.att,
      },
      headers: nonce === null ? {} : { 'DPoP-Nonce': nonce },
    };
  }

  private async verify(
    request: GuardRequest,
    onNonceRenewal: (renew: boolean) => void,
  ): Promise<{ ok: true; claims: AccessTokenClaims } | Rejection> {
    const { settings } = this.options;
    const scheme = settings.mode === 'dpop' ? authSchemes.dpop : authSchemes.tokenBinding;
    const token = credentialsOf(singleHeader(request.headers[authHeaders.authorization]), scheme);
    if (token === null)
      return reject('ACCESS_TOKEN_MISSING', `The request has no ${scheme} access token.`);
    const verified = await this.verifyToken(token, request.socket);
    if (!verified.ok) return verified;
    const { claims } = verified;

    if (settings.mode === 'token-binding') {
      const socket = request.socket;
      if (socket === null)
        return reject(
          'TOKEN_BINDING_INVALID',
          'Token binding needs TLS 1.3 ending at this service.',
          'no socket',
        );
      let bound: ReturnType<typeof verifyTokenBindingForToken>;
      try {
        bound = verifyTokenBindingForToken({
          header: singleHeader(request.headers[authHeaders.tokenBinding]),
          claims,
          connection: {
            socket,
            keyingMaterial: () => exportTokenBindingKeyingMaterial(socket as TLSSocket),
          },
          cache: this.bindingCache,
        });
      } catch (error) {
        // Not TLS 1.3 ending here (a deployment that should use DPoP mode): no EKM to check against.
        if (isTokenBindingError(error))
          return reject(
            'TOKEN_BINDING_INVALID',
            'Token binding needs TLS 1.3 ending at this service.',
            error.code,
          );
        throw error;
      }
      if (!bound.ok) return bound;
    } else {
      const path = (request.url ?? '/').split('?')[0]!.split('#')[0]!;
      const proof = await verifyDpopProof({
        proof: singleHeader(request.headers[authHeaders.dpop]),
        accessToken: token,
        method: request.method ?? 'GET',
        url: `${settings.externalBaseUrl}${path}`,
        nonces: this.nonces!,
        clock: this.clock,
      });
      if (!proof.ok) return proof;
      if (proof.keyThumbprint !== claims.cnf.jkt)
        return reject(
          'DPOP_KEY_MISMATCH',
          'The DPoP proof is signed with another key than the access token names.',
        );
      const keyRefusal = await this.keyRefusal(claims);
      if (keyRefusal !== null) return keyRefusal;
      // Last: only proofs valid in every other way take a row in the shared replay cache.
      if (
        !(await this.options.replayCache!.remember(
          proof.keyThumbprint,
          proof.jti,
          proof.replayExpiresAt,
        ))
      ) {
        return reject('DPOP_PROOF_REPLAYED', 'This DPoP proof was used before.');
      }
      onNonceRenewal(proof.renewNonce);
      return { ok: true, claims };
    }
    const keyRefusal = await this.keyRefusal(claims);
    return keyRefusal ?? { ok: true, claims };
  }

  /**
   * The bound key must be active and the token's subject's own: a token the issuer signed for one
   * device, naming another device's active key, is refused in every service (the registry checked
   * this alone before; issue 13 §3).
   */
  private async keyRefusal(claims: AccessTokenClaims): Promise<Rejection | null> {
    const { keyStatus } = this.options;
    if (!(await keyStatus.isActive(claims.cnf.jkt))) return inactive();
    if (keyStatus.ownerOf(claims.cnf.jkt) !== claims.sub)
      return reject(
        'BINDING_KEY_NOT_SUBJECTS',
        'The key this session is bound to is not the caller’s own.',
      );
    return null;
  }

  /**
   * The access token's signature and claims, verified once per kept-alive connection while its `exp`
   * holds and the issuer still has its key ({@link VerifiedTokenCache}); the key's state and the proof
   * of possession are checked on every request all the same.
   */
  private async verifyToken(
    token: string,
    connection: object | null,
  ): Promise<{ ok: true; claims: AccessTokenClaims } | Rejection> {
    const { keys, settings } = this.options;
    if (connection !== null) {
      const claims = await this.tokenCache.lookUp(connection, token, this.clock().getTime(), keys);
      if (claims !== null) return { ok: true, claims };
    }
    const verified = await verifyAccessToken(token, {
      keys,
      issuer: settings.issuer,
      audience: settings.audience,
      clock: this.clock,
    });
    if (verified.ok && connection !== null)
      this.tokenCache.remember(connection, token, verified.claims, verified.signingKey);
    return verified;
  }

  private challengeHeaders(rejection: Rejection): Record<string, string> {
    const { status, error } = rejectionResponses[rejection.code];
    if (status === 503) return {};
    const dpop = this.options.settings.mode === 'dpop';
    const parameters = [`realm="${authenticationRealm}"`];
    if (dpop) parameters.push('algs="ES256"');
    if (error !== null)
      parameters.push(`error="${error}"`, `error_description="${headerSafe(rejection.detail)}"`);
    const headers: Record<string, string> = {
      'WWW-Authenticate': `${dpop ? authSchemes.dpop : authSchemes.tokenBinding} ${parameters.join(', ')}`,
    };
    if (rejection.code === 'DPOP_NONCE_REQUIRED') headers['DPoP-Nonce'] = this.issueNonce()!;
    return headers;
  }
}

function inactive(): Rejection {
  return reject(
    'BINDING_KEY_INACTIVE',
    'The key this session is bound to is not active (revoked, suspended or unknown).',
  );
}

/**
 * A detail as an RFC 9110 quoted string Node accepts in a header: no `"`, and printable ASCII only
 * (a typographic apostrophe would make `setHeader` throw, answering 500 instead of the refusal).
 */
function headerSafe(detail: string): string {
  return detail
    .replaceAll('"', "'")
    .replaceAll('’', "'")
    .replace(/[^\x20-\x7E]/g, '?');
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}

/** The token of `Authorization: <scheme> <token>` (scheme case-insensitive, RFC 9110 §11.1), else null. */
function credentialsOf(authorization: string | undefined, scheme: string): string | null {
  if (authorization === undefined) return null;
  const match = /^([A-Za-z]+) +([A-Za-z0-9\-._~+/]+=*)$/.exec(authorization);
  if (match === null || match[1]!.toLowerCase() !== scheme.toLowerCase()) return null;
  return match[2]!;
}

/** A database or network failure (pg and Node errors carry a string `code`), not the caller's fault. */
function isInfrastructureError(error: unknown): boolean {
  if (isTokenBindingError(error)) return false;
  const code = (error as { code?: unknown } | null)?.code;
  return (
    error instanceof Error &&
    typeof code === 'string' &&
    !code.startsWith('ERR_JWS') &&
    !code.startsWith('ERR_JWT')
  );
}
