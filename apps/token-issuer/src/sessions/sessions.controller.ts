import { Body, Controller, Headers, HttpCode, HttpStatus, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { keyIdPattern } from '@settle/contracts';
import {
  currentRequestId,
  JsonSchemaValidationPipe,
  ProblemException,
  SERVICE_CONFIG,
} from '@settle/platform';
import { Inject } from '@nestjs/common';
import {
  type FreshEvidence,
  FreshAttestation,
  appAttestAssertionLengthMaxChars,
  freshEvidenceLengthMaxChars,
} from '../attestation/fresh-attestation';
import { type TokenIssuerSettings, bindingModesOf } from '../config';
import {
  type ProofResult,
  type ProvenKey,
  verifyDpopBindingProof,
  verifyTokenBindingProof,
} from './binding-proof';
import { TrustedProxies } from './client-address';
import {
  type FreshAttestationStep,
  type IssuedToken,
  refusal,
  SessionHandler,
} from './session.handler';

interface StartSessionRequest {
  bindingKeyId: string;
  attestation?: FreshEvidence;
}

const startSessionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['bindingKeyId'],
  properties: {
    bindingKeyId: { type: 'string', pattern: keyIdPattern, maxLength: 43 },
    attestation: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['format', 'evidence'],
          properties: {
            format: { type: 'string', const: 'android-key' },
            evidence: {
              type: 'string',
              pattern: '^[A-Za-z0-9_-]+$',
              maxLength: freshEvidenceLengthMaxChars,
            },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['format', 'assertion'],
          properties: {
            format: { type: 'string', const: 'apple-appattest-assertion' },
            assertion: {
              type: 'string',
              pattern: '^[A-Za-z0-9_-]+$',
              maxLength: appAttestAssertionLengthMaxChars,
            },
          },
        },
      ],
    },
  },
} as const;

/** Session ids are `ses_` and 32 hex digits. */
const sessionIdPattern = /^ses_[0-9a-f]{32}$/;

/** What the controller needs of the Express request. */
interface IncomingRequest {
  readonly method: string;
  readonly originalUrl: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly socket: { readonly remoteAddress?: string; readonly encrypted?: boolean };
}

function badRequest(code: string, field: string, message: string): ProblemException {
  return new ProblemException({
    status: HttpStatus.BAD_REQUEST,
    code,
    title: 'The request is invalid',
    detail: `${field}: ${message}`,
    errors: [{ field, code, message }],
  });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The token issuer's device API (docs/token-issuer.md): start a session with a proof of the binding
 * key over this connection, and exchange a session's newest token for the next one.
 */
@ApiTags('sessions')
@Controller('v1/sessions')
export class SessionsController {
  private readonly trustedProxies: TrustedProxies;

  constructor(
    private readonly sessions: SessionHandler,
    private readonly freshAttestation: FreshAttestation,
    @Inject(SERVICE_CONFIG) private readonly config: TokenIssuerSettings,
  ) {
    this.trustedProxies = TrustedProxies.parse(config.SETTLE_TOKEN_ISSUER_TRUSTED_PROXIES);
  }

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary:
      'Starts a session: the binding key id in the body, its proof in Sec-Token-Binding (over this TLS connection) or DPoP.',
  })
  async start(
    @Body(new JsonSchemaValidationPipe<StartSessionRequest>(startSessionSchema))
    body: StartSessionRequest,
    @Req() request: IncomingRequest,
  ): Promise<IssuedToken> {
    return this.chargingRefusals(request, async () => {
      const proven = await this.prove(request, undefined);
      if (proven.keyId !== body.bindingKeyId)
        throw refusal(
          'KEY_MISMATCH',
          'bindingKeyId',
          'the binding proves another key than bindingKeyId',
        );
      await this.sessions.enforceRateLimits([{ kind: 'key', id: proven.keyId }]);
      const fresh =
        body.attestation === undefined ? null : await this.verifyFresh(body.attestation, proven);
      return this.sessions.start(proven, fresh, currentRequestId());
    });
  }

  /**
   * The per-address limit: checked before anything is verified, charged only when the request is
   * refused (a 4xx other than 429), so the devices behind one NAT are limited by their failures, not
   * by each other's successes.
   */
  private async chargingRefusals<T>(
    request: IncomingRequest,
    handle: () => Promise<T>,
  ): Promise<T> {
    const address = this.trustedProxies.clientAddressOf(
      request.socket.remoteAddress,
      request.headers['x-forwarded-for'],
    );
    await this.sessions.checkAddressLimit(address);
    try {
      return await handle();
    } catch (error) {
      const status =
        error instanceof ProblemException ? error.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR;
      if (status >= 400 && status < 500 && status !== HttpStatus.TOO_MANY_REQUESTS)
        await this.sessions.chargeRefusal(address);
      throw error;
    }
  }

  /**
   * Fresh evidence, bound to this connection's EKM (so token binding only): an Android chain whose
   * challenge is the EKM (verified here, before the transaction: certificate checks are slow), or an App
   * Attest assertion by the device's App Attest key over the client data naming the binding key and the
   * EKM (verified in the session-start transaction, which stores its counter).
   */
  private async verifyFresh(
    evidence: FreshEvidence,
    proven: ProvenKey,
  ): Promise<FreshAttestationStep> {
    const unavailable = (message: string) =>
      new ProblemException({
        status: HttpStatus.UNPROCESSABLE_ENTITY,
        code: 'FRESH_ATTESTATION_UNAVAILABLE',
        title: 'Fresh attestation refused',
        detail: `attestation: ${message}`,
        errors: [{ field: 'attestation', code: 'FRESH_ATTESTATION_UNAVAILABLE', message }],
      });
    const invalid = (field: string, reason: string) =>
      new ProblemException({
        status: HttpStatus.UNPROCESSABLE_ENTITY,
        code: 'FRESH_ATTESTATION_INVALID',
        title: 'Fresh attestation refused',
        detail: `attestation: ${reason}`,
        errors: [{ field, code: 'FRESH_ATTESTATION_INVALID', message: reason }],
      });
    if (!this.freshAttestation.availableFor(evidence.format))
      throw unavailable(`this deployment accepts no fresh ${evidence.format} evidence`);
    const ekm = proven.ekm;
    if (ekm === undefined)
      throw unavailable(
        'fresh evidence needs token binding: its challenge is the connection’s EKM',
      );
    if (evidence.format === 'apple-appattest-assertion') {
      return async (sql, key, now) => {
        // By the device's App Attest key (its payment key), naming this binding key and this EKM.
        const result = await this.freshAttestation.verifyAppAttestAssertion(sql, {
          assertion: evidence.assertion,
          bindingKey: key,
          ekm,
          now,
        });
        if (result.ok) return { ok: true, level: result.level };
        return {
          ok: false,
          error:
            result.refusal === 'unavailable'
              ? unavailable(result.message)
              : invalid('attestation.assertion', result.reason),
        };
      };
    }
    const result = await this.freshAttestation.verify(evidence, {
      ekm,
      publicJwk: { kty: 'EC', crv: 'P-256', x: proven.x, y: proven.y },
      now: this.sessions.now(),
    });
    if (!result.ok) throw invalid('attestation.evidence', result.reason);
    const { level } = result;
    return () => Promise.resolve({ ok: true, level });
  }

  @Post(':sessionId/tokens')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary:
      'The next token of a session: Authorization with its newest token (may be expired) and a fresh proof of the same key on this connection.',
  })
  async refresh(
    @Param('sessionId') sessionId: string,
    @Headers('authorization') authorization: string | undefined,
    @Req() request: IncomingRequest,
  ): Promise<IssuedToken> {
    if (!sessionIdPattern.test(sessionId))
      throw badRequest('INVALID_FORMAT', 'sessionId', 'must be ses_ followed by 32 hex digits');
    const match = /^(Bearer|DPoP) ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(
      authorization ?? '',
    );
    if (match === null)
      throw badRequest(
        'ACCESS_TOKEN_MISSING',
        'headers.authorization',
        'must be "Bearer <token>" or "DPoP <token>" with the session’s newest token',
      );
    const token = match[2]!;
    return this.chargingRefusals(request, async () => {
      const presented = await this.sessions.readPresentedToken(token);
      const proven = await this.prove(request, token);
      await this.sessions.enforceRateLimits([{ kind: 'session', id: sessionId }]);
      if ((match[1] === 'DPoP') !== (proven.mode === 'dpop'))
        throw badRequest(
          'AUTHORIZATION_SCHEME_MISMATCH',
          'headers.authorization',
          'DPoP tokens use the DPoP scheme with a DPoP proof, bound tokens Bearer with Sec-Token-Binding',
        );
      return this.sessions.refresh(sessionId, presented, proven, currentRequestId());
    });
  }

  /** The key this request proves, by the one binding header it carries (and the deployment allows). */
  private async prove(
    request: IncomingRequest,
    accessToken: string | undefined,
  ): Promise<ProvenKey> {
    const modes = bindingModesOf(this.config);
    const tokenBinding = single(request.headers['sec-token-binding']);
    const dpop = single(request.headers['dpop']);
    if (tokenBinding !== undefined && dpop !== undefined)
      throw badRequest('BINDING_AMBIGUOUS', 'headers', 'send Sec-Token-Binding or DPoP, not both');
    let result: ProofResult;
    if (tokenBinding !== undefined) {
      if (!modes.includes('token-binding'))
        throw badRequest(
          'BINDING_MODE_NOT_ALLOWED',
          'headers.sec-token-binding',
          'this deployment does not accept token binding',
        );
      result = verifyTokenBindingProof(tokenBinding, request.socket);
    } else if (dpop !== undefined) {
      if (!modes.includes('dpop'))
        throw badRequest(
          'BINDING_MODE_NOT_ALLOWED',
          'headers.dpop',
          'this deployment does not accept DPoP',
        );
      result = await verifyDpopBindingProof({
        proof: dpop,
        method: request.method,
        url: this.requestUrl(request),
        ...(accessToken === undefined ? {} : { accessToken }),
        now: this.sessions.now(),
      });
    } else {
      throw badRequest(
        'BINDING_MISSING',
        modes.includes('token-binding') ? 'headers.sec-token-binding' : 'headers.dpop',
        `a proof of the binding key is required (${modes.join(' or ')})`,
      );
    }
    if (!result.ok) {
      const { code, field, reason } = result.refusal;
      throw new ProblemException({
        status: code === 'TLS_REQUIRED' ? HttpStatus.BAD_REQUEST : HttpStatus.UNAUTHORIZED,
        code,
        title: 'Proof of the binding key refused',
        detail: `${field}: ${reason}`,
        errors: [{ field, code, message: reason }],
      });
    }
    return result.key;
  }

  /** The URL the device addressed (the DPoP htu), from configuration or from this connection. */
  private requestUrl(request: IncomingRequest): string {
    const path = request.originalUrl.split('?')[0] ?? '/';
    const base =
      this.config.SETTLE_TOKEN_ISSUER_PUBLIC_URL ||
      `${request.socket.encrypted === true ? 'https' : 'http'}://${single(request.headers['host']) ?? 'localhost'}`;
    return `${base}${path}`;
  }
}
