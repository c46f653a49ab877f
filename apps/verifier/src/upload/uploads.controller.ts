import { Controller, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConsumes,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import {
  currentRequestId,
  type PlatformRequest,
  PlatformProblemCode,
  ProblemException,
} from '@settle/platform';
import { Authenticated, AuthenticatedPrincipal, type Principal } from '@settle/resource-guard';
import { UploadMetrics } from '../metrics/verifier-metrics';
import { parseCborUploadBody, parseJsonUploadBody, type UploadBodyResult } from './upload-body';
import { uploadBodySizeMaxBytes } from './upload-limits';
import {
  badRequestCodes,
  payloadTooLargeCodes,
  problemResponse,
  uploadAcceptedSchema,
  uploadRequestBody,
} from './upload-openapi';
import { UploadHandler, type UploadResult } from './upload.handler';

/** The media types an upload may have; anything else is 415. */
export const uploadMediaTypes = { cbor: 'application/cbor', json: 'application/json' } as const;

/** The request as the route reads it: the platform's parsers left the body as bytes (CBOR) or a value (JSON). */
type UploadRequest = PlatformRequest & { readonly body?: unknown };

/**
 * POST /v1/uploads: a POS uploads the offline transactions it countersigned (DESIGN §4), as the
 * terminal its bound token names. Order: the guard (401/403), the terminal's rate limit (429), the
 * media type (415), the body (400/413, nothing stored), then one receipt per transaction in a 202
 * sent only once everything is committed.
 */
@ApiTags('uploads')
@Controller('v1/uploads')
export class UploadsController {
  private readonly metrics = new UploadMetrics();

  constructor(private readonly handler: UploadHandler) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @Authenticated({ roles: ['pos-terminal'] })
  @ApiOperation({
    summary:
      'Uploads a batch of dual-signed offline transactions; answers one receipt per transaction.',
    description:
      'Accepted transactions are stored (status received) and announced as payment.uploaded before the 202; refused ones leave nothing behind ' +
      '(except a conflicting content, recorded with a fraud signal). The same batch again, or a transaction already received, answers the same ' +
      'receipts and does no new work. Rate-limited per terminal. docs/verifier.md, "Upload".',
    requestBody: uploadRequestBody,
  })
  @ApiConsumes(uploadMediaTypes.cbor, uploadMediaTypes.json)
  @ApiAcceptedResponse({
    description: 'Every transaction has a receipt.',
    schema: uploadAcceptedSchema,
  })
  @ApiBadRequestResponse(
    problemResponse(
      'The body is malformed, of the wrong shape (errors name the fields), or empty.',
      badRequestCodes,
    ),
  )
  @ApiPayloadTooLargeResponse(
    problemResponse(
      `More than uploadBodySizeMaxBytes (${uploadBodySizeMaxBytes}) bytes, or more than uploadBatchTransactionsMax transactions.`,
      payloadTooLargeCodes,
    ),
  )
  @ApiUnsupportedMediaTypeResponse(
    problemResponse('Neither application/cbor nor application/json.', ['UNSUPPORTED_MEDIA_TYPE']),
  )
  @ApiTooManyRequestsResponse({
    ...problemResponse(
      'The terminal uploads faster than its rate limit; Retry-After says when to try again.',
      ['RATE_LIMITED'],
    ),
    headers: {
      'Retry-After': {
        description: 'Whole seconds until the terminal may upload again.',
        schema: { type: 'integer', minimum: 1 },
      },
    },
  })
  async upload(
    @AuthenticatedPrincipal() principal: Principal,
    @Req() request: UploadRequest,
  ): Promise<UploadResult> {
    await this.handler.enforceRateLimit(principal.subject);
    const parsed = parseBody(request);
    if (!parsed.ok) {
      const { status, code, detail, errors } = parsed.problem;
      throw new ProblemException({
        status,
        code,
        title: status === 413 ? 'Upload too large' : 'Upload refused',
        detail,
        errors,
      });
    }
    const result = await this.handler.upload(
      { terminalId: principal.subject, merchantId: principal.owner },
      parsed.transactions,
      currentRequestId(),
    );
    this.metrics.record(result.batchId, result.receipts);
    return result;
  }
}

function parseBody(request: UploadRequest): UploadBodyResult {
  const header = request.headers['content-type'];
  const mediaType = (typeof header === 'string' ? header : '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === uploadMediaTypes.cbor)
    return parseCborUploadBody(
      request.body instanceof Uint8Array ? request.body : new Uint8Array(0),
    );
  if (mediaType === uploadMediaTypes.json) return parseJsonUploadBody(request.body);
  throw new ProblemException({
    status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    code: PlatformProblemCode.unsupportedMediaType,
    title: 'Unsupported media type',
    detail: `An upload is ${uploadMediaTypes.cbor} or ${uploadMediaTypes.json}.`,
    errors: [
      {
        field: 'content-type',
        code: 'NOT_ALLOWED',
        message: `must be ${uploadMediaTypes.cbor} or ${uploadMediaTypes.json}`,
      },
    ],
  });
}
