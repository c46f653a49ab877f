import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Clock, CLOCK } from '@settle/platform';
import { CredentialSigner } from './credential-signer';

/** How long a client may cache the key set, in seconds (new keys are prepublished far longer ahead). */
const credentialKeysCacheMaxAgeSeconds = 300;

/**
 * The processor's credential-signing public keys as a JWK Set (RFC 7517), so that POS terminals,
 * phones and the verifier verify terminal and device credentials offline. Public: no authentication.
 */
@ApiTags('credentials')
@Controller('v1/credential-keys')
export class CredentialKeysController {
  constructor(
    private readonly signer: CredentialSigner,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @Header('Cache-Control', `public, max-age=${credentialKeysCacheMaxAgeSeconds}`)
  @ApiOperation({
    summary:
      'The credential-signing public keys (JWK Set): the signing key, the next one ahead of its activation, and older ones while their credentials are valid.',
  })
  async keys() {
    const keys = await this.signer.publishedKeys(this.clock.now());
    return {
      keys: keys.map((key) => ({ ...key.publicJwk, kid: key.kid, alg: key.alg, use: 'sig' })),
    };
  }
}
