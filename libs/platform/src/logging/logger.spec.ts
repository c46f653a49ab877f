import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { assignRequestId, runInRequestContext } from './request-context';
import { type PlatformRequest, type PlatformResponse } from '../http/http-types';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ serviceName: 'ledger', level: 'info', destination }) };
}

describe('createLogger', () => {
  it('writes JSON with the level as a word and the service name', () => {
    const { lines, logger } = capture();
    logger.info({ answer: 42 }, 'hello');
    expect(lines[0]).toMatchObject({ level: 'info', service: 'ledger', answer: 42, msg: 'hello' });
    expect(typeof lines[0]?.time).toBe('string');
  });

  it('redacts authorization headers, passwords, tokens and secrets', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        req: {
          headers: { authorization: 'Bearer alice.s3cret', cookie: 'sid=1', accept: 'text/plain' },
        },
        password: 'p',
        user: { token: 't', secret: 's', name: 'alice' },
      },
      'request',
    );
    const text = JSON.stringify(lines[0]);
    expect(text).not.toMatch(/s3cret|sid=1|"p"|"t"|"s"/);
    expect(lines[0]).toMatchObject({
      req: { headers: { authorization: '[redacted]', cookie: '[redacted]', accept: 'text/plain' } },
      password: '[redacted]',
      user: { token: '[redacted]', secret: '[redacted]', name: 'alice' },
    });
  });

  it('adds the request id to every line written while serving a request', () => {
    const { lines, logger } = capture();
    const request: PlatformRequest = {
      method: 'GET',
      url: '/x',
      headers: { 'x-request-id': 'req-123' },
    };
    const response = { setHeader: () => undefined } as unknown as PlatformResponse;
    assignRequestId(request, response, () => undefined);
    runInRequestContext(request, response, () => logger.info('inside'));
    logger.info('outside');
    expect(lines.map((line) => line.requestId)).toEqual(['req-123', undefined]);
  });

  it('replaces an unacceptable incoming request id with a UUID', () => {
    const request: PlatformRequest = {
      method: 'GET',
      url: '/x',
      headers: { 'x-request-id': 'bad id\n{"x":1}' },
    };
    assignRequestId(
      request,
      { setHeader: () => undefined } as unknown as PlatformResponse,
      () => undefined,
    );
    expect(request.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
