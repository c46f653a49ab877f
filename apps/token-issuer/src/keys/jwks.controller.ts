import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Clock, CLOCK } from '@settle/platform';
import { type PublishedJwk, TokenSigner } from './token-signer';

/** Resource servers cache the JWKS this long; the prepublish window must exceed it (docs/token-issuer.md). */
export const jwksCacheMaxAgeSeconds = 300;

@ApiTags('keys')
@Controller('.well-known')
export class JwksController {
  constructor(
    private readonly signer: TokenSigner,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('jwks.json')
  @Header('cache-control', `public, max-age=${jwksCacheMaxAgeSeconds}`)
  @ApiOperation({
    summary:
      'The token-signing public keys resource servers accept: current, next (prepublished) and recent (until their tokens expired).',
  })
  async jwks(): Promise<{ keys: PublishedJwk[] }> {
    return this.signer.jwks(this.clock.now());
  }
}
