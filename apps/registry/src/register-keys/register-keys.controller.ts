import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  type AttestationFormat,
  type KeyAlgorithm,
  type KeyPurpose,
  type PublicJwk,
} from '@settle/contracts';
import { calculateJwkThumbprint, importPublicJwk } from '@settle/crypto';
import { currentRequestId, JsonSchemaValidationPipe, ProblemException } from '@settle/platform';
import { challengeRequestSchema, registerKeysSchema } from '../adapters/http-schemas';
import { RegisterKeysHandler } from './register-keys.handler';
import { type RegistrationRefusal } from './register-keys.decider';

interface ChallengeRequest {
  enrolmentCode: string;
  deviceId?: string;
}
interface RegisterKeysRequest {
  enrolmentCode: string;
  challenge: string;
  keys: Array<{
    purpose: KeyPurpose;
    algorithm: KeyAlgorithm;
    publicKeyJwk: PublicJwk;
    format: AttestationFormat;
    evidence: string;
  }>;
}

/** HTTP status of each refusal: unknown → 404, used → 409, expired or revoked → 410, over the limit → 429, invalid → 422. */
const statusOf: Record<RegistrationRefusal | 'ENROLMENT_CODE_NOT_FOR_DEVICE', number> = {
  ENROLMENT_CODE_UNKNOWN: HttpStatus.NOT_FOUND,
  ENROLMENT_CODE_EXPIRED: HttpStatus.GONE,
  ENROLMENT_CODE_REVOKED: HttpStatus.GONE,
  ENROLMENT_CODE_USED: HttpStatus.CONFLICT,
  CHALLENGE_LIMIT_REACHED: HttpStatus.TOO_MANY_REQUESTS,
  CHALLENGE_UNKNOWN: HttpStatus.NOT_FOUND,
  CHALLENGE_EXPIRED: HttpStatus.GONE,
  CHALLENGE_USED: HttpStatus.CONFLICT,
  CHALLENGE_NOT_FOR_CODE: HttpStatus.CONFLICT,
  KEYS_INVALID: HttpStatus.UNPROCESSABLE_ENTITY,
  KEY_ALREADY_REGISTERED: HttpStatus.CONFLICT,
  ENROLMENT_CODE_NOT_FOR_DEVICE: HttpStatus.UNPROCESSABLE_ENTITY,
};

function refused(
  code: keyof typeof statusOf,
  field: string,
  message: string = code,
): ProblemException {
  return new ProblemException({
    status: statusOf[code],
    code,
    title: 'Enrolment refused',
    detail: `${field}: ${message}`,
    errors: [{ field, code, message }],
  });
}

/**
 * The device side of enrolment (DESIGN §8). Authorised by the enrolment code alone: the device has no
 * bound token before its keys exist. Never open: without a valid, unused, unexpired, unrevoked code
 * both answer 404/409/410, and a code obtains at most SETTLE_REGISTRY_CHALLENGES_PER_CODE_MAX challenges.
 */
@ApiTags('enrolment')
@Controller('enrolment')
export class RegisterKeysController {
  constructor(private readonly enrolment: RegisterKeysHandler) {}

  @Post('challenges')
  @ApiOperation({
    summary:
      'An attestation challenge for an enrolment code, for the one device or terminal the code names; single-use, expiring.',
  })
  async challenge(
    @Body(new JsonSchemaValidationPipe<ChallengeRequest>(challengeRequestSchema))
    body: ChallengeRequest,
  ) {
    const result = await this.enrolment.issueChallenge(body.enrolmentCode, body.deviceId);
    if (result.outcome === 'refused') throw refused(result.code, result.field);
    return { challenge: result.challenge, owner: result.owner, expiresAt: result.expiresAt };
  }

  @Post('keys')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Registers the payment and binding keys against the challenge; they stay pending until attested.',
  })
  async registerKeys(
    @Body(new JsonSchemaValidationPipe<RegisterKeysRequest>(registerKeysSchema))
    body: RegisterKeysRequest,
  ) {
    const keys = body.keys.map((key, index) => {
      try {
        // The whole key checked here (a point on the curve, not of small order, of the key's algorithm,
        // no private member) and kept reduced to the members that define it: every service downstream
        // imports exactly what the thumbprint names, never a key it cannot import.
        const reduced = importPublicJwk(key.publicKeyJwk, { alg: key.algorithm });
        return {
          ...key,
          publicKeyJwk: reduced as PublicJwk,
          keyId: calculateJwkThumbprint(reduced),
        };
      } catch {
        throw ProblemException.validation([
          {
            field: `keys[${index}].publicKeyJwk`,
            code: 'INVALID',
            message: 'is not a valid public key',
          },
        ]);
      }
    });
    const result = await this.enrolment.registerKeys(
      body.enrolmentCode,
      body.challenge,
      keys,
      currentRequestId() ?? null,
    );
    switch (result.outcome) {
      case 'registered':
        return {
          outcome: 'registered',
          owner: result.owner,
          keys: result.keys.map((key) => ({
            keyId: key.keyId,
            purpose: key.purpose,
            state: 'pending',
          })),
        };
      case 'duplicate':
        return {
          outcome: 'duplicate',
          owner: result.owner,
          keys: result.keys.map((key) => ({
            keyId: key.keyId,
            purpose: key.purpose,
            state: key.history[key.history.length - 1]!.state,
          })),
        };
      case 'refused':
        throw refused(result.code, result.field, result.message);
    }
  }
}
