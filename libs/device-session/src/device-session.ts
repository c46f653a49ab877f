import { type JWK } from 'jose';
import { type TokenBindingSigner, createTokenBindingSigner } from '@settle/token-binding';
import {
  BoundConnection,
  type HttpAnswer,
  type OutgoingRequest,
  type TlsEndpoint,
} from './bound-connection';
import { createDpopProof } from './dpop-proof';
import { DeviceSessionError } from './errors';

/** A token is refreshed when less than this much of its life is left. */
export const refreshMarginMs = 30_000;
/** Requests retried once when the server asks for a DPoP nonce (RFC 9449 §8). */
export const dpopNonceRetriesMax = 1;

/**
 * How a device session talks to the token issuer.
 *
 * @example
 * ```ts
 * const options: DeviceSessionOptions = { issuer: { host: '127.0.0.1', port: 3004, servername: 'localhost', ca }, bindingKeyId, bindingPrivateJwk, mode: 'token-binding' };
 * ```
 */
export interface DeviceSessionOptions {
  readonly issuer: TlsEndpoint;
  /** RFC 7638 thumbprint of the binding key (the registry's key id). */
  readonly bindingKeyId: string;
  readonly bindingPrivateJwk: JWK;
  /** `token-binding` (the default) binds every connection; `dpop` signs a proof per request. */
  readonly mode?: 'token-binding' | 'dpop';
  /** The issuer's URL as the DPoP `htu` names it; defaults to `https://<servername>:<port>`. */
  readonly issuerUrl?: string;
  /** Defaults to the system clock. */
  readonly now?: () => Date;
}

/**
 * The session state a device holds.
 *
 * @example
 * ```ts
 * const { sessionId, accessToken } = session.current!;
 * ```
 */
export interface SessionToken {
  readonly sessionId: string;
  readonly accessToken: string;
  readonly tokenType: 'Bearer' | 'DPoP';
  readonly expiresAt: Date;
}

interface IssuedToken {
  readonly accessToken: string;
  readonly tokenType: 'Bearer' | 'DPoP';
  readonly expiresIn: number;
  readonly sessionId: string;
}

/**
 * The online half of the device SDK (DESIGN §7): starts a session with the token issuer over a fresh
 * TLS 1.3 connection (binding made over that connection's EKM, or a DPoP proof), refreshes the token
 * on a new connection before it expires, and sends requests with the token and a fresh proof.
 *
 * @example
 * ```ts
 * const session = new DeviceSession({ issuer, bindingKeyId, bindingPrivateJwk });
 * await session.start();
 * const token = await session.accessToken(); // refreshed when close to expiry
 * ```
 */
export class DeviceSession {
  private token: SessionToken | undefined;
  private dpopNonce: string | undefined;
  private readonly now: () => Date;
  /** The binding key imported once, as a device holds its keystore handle (made at the first connection). */
  private signer: TokenBindingSigner | undefined;

  constructor(private readonly options: DeviceSessionOptions) {
    this.now = options.now ?? (() => new Date());
  }

  private bindingSigner(): TokenBindingSigner {
    this.signer ??= createTokenBindingSigner(this.options.bindingPrivateJwk, 'native');
    return this.signer;
  }

  get current(): SessionToken | undefined {
    return this.token;
  }

  get mode(): 'token-binding' | 'dpop' {
    return this.options.mode ?? 'token-binding';
  }

  /**
   * Starts a new session on a new connection. `headers` are added to the request, e.g. a W3C
   * `traceparent` so the token issuer's spans join the caller's trace (never authorization headers:
   * those the session sets itself).
   */
  async start(
    options: { readonly headers?: Readonly<Record<string, string>> } = {},
  ): Promise<SessionToken> {
    const answer = await this.callIssuer(
      '/v1/sessions',
      undefined,
      { bindingKeyId: this.options.bindingKeyId },
      options.headers,
    );
    return this.accept(answer, 'session start');
  }

  /** Exchanges the session's newest token (expired or not) for the next one, on a new connection. */
  async refresh(): Promise<SessionToken> {
    const token = this.token;
    if (token === undefined)
      throw new DeviceSessionError('ERR_NO_SESSION', 'start() a session before refreshing it', {
        retriable: false,
      });
    const answer = await this.callIssuer(
      `/v1/sessions/${token.sessionId}/tokens`,
      token,
      undefined,
    );
    return this.accept(answer, 'refresh');
  }

  /** The current token, refreshed first when less than `refreshMarginMs` of it is left. */
  async accessToken(): Promise<SessionToken> {
    const token = this.token ?? (await this.start());
    if (token.expiresAt.getTime() - this.now().getTime() > refreshMarginMs) return token;
    return this.refresh();
  }

  /**
   * Opens a connection to a resource server for bound requests: with token binding every request on
   * it carries `Authorization: Bearer` and this connection's `Sec-Token-Binding`.
   */
  async connect(endpoint: TlsEndpoint): Promise<BoundConnection> {
    return BoundConnection.open(endpoint, this.bindingSigner());
  }

  /** The authorization headers of one request on `connection` (`url` is the DPoP htu). */
  async authorizationHeaders(
    connection: BoundConnection,
    method: string,
    url: string,
  ): Promise<Record<string, string>> {
    const token = await this.accessToken();
    if (this.mode === 'token-binding')
      return {
        authorization: `Bearer ${token.accessToken}`,
        'sec-token-binding': connection.tokenBindingHeader,
      };
    const proof = await createDpopProof({
      privateJwk: this.options.bindingPrivateJwk,
      htm: method,
      htu: url,
      accessToken: token.accessToken,
      ...this.nonceClaim(),
    });
    return { authorization: `DPoP ${token.accessToken}`, dpop: proof };
  }

  /**
   * Sends a request to a resource server over `connection` with the token and a fresh proof (the
   * connection's binding, or a new DPoP proof for `url`), retrying once when the server asks for a
   * DPoP nonce (RFC 9449 §8: 401 with `WWW-Authenticate: DPoP error="use_dpop_nonce"` and `DPoP-Nonce`).
   */
  async send(
    connection: BoundConnection,
    outgoing: OutgoingRequest & { readonly url: string },
  ): Promise<HttpAnswer> {
    for (let attempt = 0; ; attempt++) {
      const { url, ...request } = outgoing;
      const headers = {
        ...outgoing.headers,
        ...(await this.authorizationHeaders(connection, outgoing.method, url)),
      };
      const answer = await connection.request({ ...request, headers });
      if (!this.rememberNonce(answer) || attempt >= dpopNonceRetriesMax) return answer;
    }
  }

  private async callIssuer(
    path: string,
    presented: SessionToken | undefined,
    json: unknown,
    extraHeaders: Readonly<Record<string, string>> = {},
  ): Promise<HttpAnswer> {
    // One connection per call: the binding proves the key on the connection the request travels on.
    const connection = await BoundConnection.open(this.options.issuer, this.bindingSigner());
    try {
      for (let attempt = 0; ; attempt++) {
        const headers: Record<string, string> = { ...extraHeaders };
        if (presented !== undefined)
          headers['authorization'] = `${presented.tokenType} ${presented.accessToken}`;
        if (this.mode === 'token-binding')
          headers['sec-token-binding'] = connection.tokenBindingHeader;
        else
          headers['dpop'] = await createDpopProof({
            privateJwk: this.options.bindingPrivateJwk,
            htm: 'POST',
            htu: `${this.issuerUrl()}${path}`,
            ...(presented ? { accessToken: presented.accessToken } : {}),
            ...this.nonceClaim(),
          });
        const answer = await connection.request({
          method: 'POST',
          path,
          headers,
          ...(json === undefined ? {} : { json }),
        });
        if (!this.rememberNonce(answer) || attempt >= dpopNonceRetriesMax) return answer;
      }
    } finally {
      connection.close();
    }
  }

  private accept(answer: HttpAnswer, what: string): SessionToken {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(answer.body) as Record<string, unknown>;
    } catch (error) {
      throw new DeviceSessionError(
        'ERR_RESPONSE_INVALID',
        `${what}: the answer is not JSON (status ${answer.status})`,
        { retriable: false, status: answer.status, cause: error },
      );
    }
    if (answer.status !== 201) {
      const problemCode = typeof body['code'] === 'string' ? body['code'] : undefined;
      throw new DeviceSessionError(
        'ERR_SESSION_REFUSED',
        `${what} refused: ${answer.status} ${problemCode ?? ''} ${String(body['detail'] ?? '')}`.trim(),
        {
          retriable: answer.status === 429 || answer.status >= 500,
          status: answer.status,
          ...(problemCode === undefined ? {} : { problemCode }),
        },
      );
    }
    const issued = body as unknown as IssuedToken;
    if (
      typeof issued.accessToken !== 'string' ||
      typeof issued.sessionId !== 'string' ||
      typeof issued.expiresIn !== 'number'
    ) {
      throw new DeviceSessionError(
        'ERR_RESPONSE_INVALID',
        `${what}: the answer lacks accessToken, sessionId or expiresIn`,
        { retriable: false, status: answer.status },
      );
    }
    this.token = {
      sessionId: issued.sessionId,
      accessToken: issued.accessToken,
      tokenType: issued.tokenType,
      expiresAt: new Date(this.now().getTime() + issued.expiresIn * 1000),
    };
    return this.token;
  }

  private issuerUrl(): string {
    return (
      this.options.issuerUrl ??
      `https://${this.options.issuer.servername ?? this.options.issuer.host}:${this.options.issuer.port}`
    );
  }

  /** Keeps the server's latest DPoP nonce; true when the answer asks to retry with it. */
  private rememberNonce(answer: HttpAnswer): boolean {
    const nonce = answer.headers['dpop-nonce'];
    if (typeof nonce === 'string') this.dpopNonce = nonce;
    return (
      this.mode === 'dpop' &&
      answer.status === 401 &&
      typeof nonce === 'string' &&
      /error="use_dpop_nonce"/.test(String(answer.headers['www-authenticate']))
    );
  }

  private nonceClaim(): { nonce?: string } {
    return this.dpopNonce === undefined ? {} : { nonce: this.dpopNonce };
  }
}
