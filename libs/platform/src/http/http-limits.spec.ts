import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { HttpException } from '@nestjs/common';
import { problemOfBodyParserError, refuseAnnouncedOversizedBodies } from './body-limits';
import { emptyJsonBodySizeMaxBytes, requireEmptyJsonBody } from './empty-body';
import { httpServerOptions, LimitedExpressAdapter } from './http-server-limits';
import { type PlatformResponse } from './http-types';
import { ProblemException } from './problem';

const problemOf = (error: unknown) => (error instanceof ProblemException ? error.problem : error);

/** A request as Express hands it over: headers, `is` by media type, a parsed body. */
function request(headers: Record<string, string>, body?: unknown) {
  const contentType = headers['content-type'] ?? '';
  return {
    method: 'POST',
    url: '/x',
    headers,
    body,
    is: (types: string[]) =>
      types.some((type) =>
        type.includes('*') ? contentType.endsWith('+json') : contentType.startsWith(type),
      )
        ? contentType
        : false,
  };
}

describe('problemOfBodyParserError', () => {
  it('turns a body that does not inflate (an untyped 400 of the parser) into MALFORMED_CONTENT_ENCODING naming the encoding', () => {
    const zlibError = Object.assign(new Error('incorrect header check'), {
      status: 400,
      code: 'Z_DATA_ERROR',
    });
    expect(problemOf(problemOfBodyParserError(zlibError, undefined, 'gzip'))).toMatchObject({
      status: 400,
      code: 'MALFORMED_CONTENT_ENCODING',
      detail: 'The request body is not valid gzip data.',
    });
  });

  it('turns other untyped 4xx of the parser into BAD_REQUEST, and leaves anything else (a bug) to the filter', () => {
    expect(
      problemOf(
        problemOfBodyParserError(Object.assign(new Error('x'), { status: 400 }), undefined),
      ),
    ).toMatchObject({ code: 'BAD_REQUEST' });
    const bug = new TypeError('boom');
    expect(problemOfBodyParserError(bug, undefined, 'gzip')).toBe(bug);
  });

  it('passes a problem raised before the parser through unchanged', () => {
    const early = new ProblemException({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      title: 'Payload too large',
      detail: 'd',
    });
    expect(problemOfBodyParserError(early, undefined)).toBe(early);
  });
});

describe('refuseAnnouncedOversizedBodies', () => {
  const refuse = refuseAnnouncedOversizedBodies([
    { mediaTypes: ['application/json'], limitBytes: 100 },
    { mediaTypes: ['application/cbor'], limitBytes: 1_000, limitName: 'cborMaxBytes' },
  ]);
  const run = (headers: Record<string, string>) => {
    const set: Record<string, string | number> = {};
    let passed: unknown = 'not called';
    refuse(
      request(headers),
      {
        setHeader: (name: string, value: string | number) => (set[name] = value),
      } as unknown as PlatformResponse,
      (error) => (passed = error),
    );
    return { passed, set };
  };

  it('lets bodies within their media type’s limit through', () => {
    expect(
      run({ 'content-type': 'application/json', 'content-length': '100' }).passed,
    ).toBeUndefined();
    expect(
      run({ 'content-type': 'application/cbor', 'content-length': '1000' }).passed,
    ).toBeUndefined();
    expect(run({}).passed).toBeUndefined();
  });

  it('refuses an announced length over the limit with 413 and Connection: close, naming the limit when it has a name', () => {
    const json = run({ 'content-type': 'application/json', 'content-length': '101' });
    expect(problemOf(json.passed)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(json.set).toEqual({ connection: 'close' });
    expect(
      problemOf(run({ 'content-type': 'application/cbor', 'content-length': '1001' }).passed),
    ).toMatchObject({ errors: [{ field: 'body', message: 'at most 1000 bytes (cborMaxBytes)' }] });
  });

  it('holds types no parser reads to the largest limit, and takes a length of any number of digits at its word', () => {
    expect(run({ 'content-type': 'text/plain', 'content-length': '1000' }).passed).toBeUndefined();
    expect(
      problemOf(run({ 'content-type': 'text/plain', 'content-length': '1001' }).passed),
    ).toMatchObject({ status: 413 });
    expect(
      problemOf(
        run({ 'content-type': 'application/json', 'content-length': '99999999999999999999999' })
          .passed,
      ),
    ).toMatchObject({ status: 413 });
  });
});

describe('httpServerOptions', () => {
  it('checks the timeouts every quarter of the headers timeout (at least 250 ms), not Node’s 30 s', () => {
    expect(
      httpServerOptions({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, connectionsMax: 1 }),
    ).toEqual({
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      connectionsCheckingInterval: 2_500,
    });
    expect(
      httpServerOptions({ headersTimeoutMs: 500, requestTimeoutMs: 500, connectionsMax: 1 })
        .connectionsCheckingInterval,
    ).toBe(250);
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    expect(() =>
      httpServerOptions({ headersTimeoutMs: 2_000, requestTimeoutMs: 1_000, connectionsMax: 1 }),
    ).toThrow(/must not exceed/);
  });
});

describe('LimitedExpressAdapter', () => {
  it('answers JSON without an ETag: no answer of these APIs is ever revalidated', async () => {
    const adapter = new LimitedExpressAdapter({
      headersTimeoutMs: 1_000,
      requestTimeoutMs: 1_000,
      connectionsMax: 1,
    });
    adapter.post('/x', (_request: unknown, response: PlatformResponse) =>
      response.json({ accessToken: 'a' }),
    );
    const server = createServer(adapter.getInstance());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await fetch(`http://127.0.0.1:${port}/x`, { method: 'POST' });
      expect(await answer.json()).toEqual({ accessToken: 'a' });
      expect(answer.headers.get('etag')).toBeNull();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('requireEmptyJsonBody', () => {
  const refusal = (headers: Record<string, string>, body?: unknown): unknown => {
    try {
      requireEmptyJsonBody(request(headers, body));
      return undefined;
    } catch (error) {
      return error instanceof HttpException ? problemOf(error) : error;
    }
  };

  it('accepts no body, and {} as JSON', () => {
    expect(refusal({})).toBeUndefined();
    expect(refusal({ 'content-length': '0', 'content-type': 'text/plain' })).toBeUndefined();
    expect(
      refusal({ 'content-length': '2', 'content-type': 'application/json' }, {}),
    ).toBeUndefined();
  });

  it('refuses other media types (415), larger bodies (413), other JSON values and fields (400)', () => {
    expect(refusal({ 'content-length': '5', 'content-type': 'text/plain' })).toMatchObject({
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
    expect(
      refusal({ 'transfer-encoding': 'chunked', 'content-type': 'application/xml' }),
    ).toMatchObject({ status: 415 });
    expect(
      refusal(
        {
          'content-length': String(emptyJsonBodySizeMaxBytes + 1),
          'content-type': 'application/json',
        },
        {},
      ),
    ).toMatchObject({ status: 413 });
    expect(
      refusal({ 'content-length': '4', 'content-type': 'application/json' }, [[]]),
    ).toMatchObject({ status: 400, errors: [{ field: 'body', code: 'INVALID_TYPE' }] });
    expect(
      refusal({ 'transfer-encoding': 'chunked', 'content-type': 'application/json' }, { caps: [] }),
    ).toMatchObject({ status: 400, errors: [{ field: 'caps', code: 'UNKNOWN_FIELD' }] });
  });
});
