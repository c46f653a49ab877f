// Resource-guard checks per second over real TLS 1.3 (token-binding mode): a new connection for every
// request, and kept-alive connections, next to the plain TLS 1.3 handshake rate and an unguarded
// kept-alive request rate measured in the same run. The server (node:https + RequestAuthenticator,
// one thread) runs in a child process, the clients here, so they do not share a core. Run with
// `npm run bench -- guard` (or `node -r @swc-node/register bench/guard.bench.ts`); results go to
// bench/results/guard.{json,md}.
import { fork } from 'node:child_process';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent, type RequestOptions, request as httpsRequest } from 'node:https';
import os from 'node:os';
import {
  type ConnectionOptions,
  type SecureContext,
  type TLSSocket,
  connect as tlsConnect,
  createSecureContext,
} from 'node:tls';
import {
  JwksKeyStore,
  RequestAuthenticator,
  StaticBindingKeyStatus,
  verifyAccessToken,
} from '@settle/resource-guard';
import {
  type TestBindingKey,
  createTestBindingKey,
  createTestTokenIssuer,
  createTlsTestServer,
  makeSelfSignedCertificate,
} from '@settle/resource-guard/testing';
import { createTokenBindingMessage, exportTokenBindingKeyingMaterial } from '@settle/token-binding';
import { guardRowNames, headlineFigures } from './report/headline';
import { writeResults } from './results';

const measureMs = 4_000;
const warmUpMs = 500;
const concurrency = 8;

interface ServerReady {
  readonly port: number;
  readonly cert: string;
  readonly token: string;
  readonly bindingKey: TestBindingKey;
}

interface ServerStats {
  readonly handshakes: number;
  readonly bindingVerifications: number;
  readonly accepted: number;
  readonly rejected: number;
}

// ---------------------------------------------------------------- server (child process)

async function runServer(): Promise<void> {
  const issuer = createTestTokenIssuer();
  const bindingKey = createTestBindingKey();
  const authenticator = new RequestAuthenticator({
    settings: {
      mode: 'token-binding',
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwks: { staticJwks: issuer.jwks() },
    },
    keys: new JwksKeyStore({ staticJwks: issuer.jwks() }),
    keyStatus: new StaticBindingKeyStatus([[bindingKey.keyId, issuer.claims(bindingKey).sub]]),
  });
  let accepted = 0;
  let rejected = 0;
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    if (request.url === '/plain') return void response.end('ok');
    authenticator
      .authenticate({
        method: request.method,
        url: request.url,
        headers: request.headers,
        socket: request.socket,
      })
      .then(
        (outcome) => {
          if (outcome.ok) accepted += 1;
          else rejected += 1;
          response.writeHead(outcome.ok ? 200 : outcome.status, {
            'content-type': 'application/json',
          });
          response.end(
            outcome.ok ? JSON.stringify(outcome.principal) : JSON.stringify({ code: outcome.code }),
          );
        },
        (error: unknown) => {
          response.writeHead(500);
          response.end(String(error));
        },
      );
  };
  const server = await createTlsTestServer(handler, makeSelfSignedCertificate());
  // Tokens last the whole run.
  const token = await issuer.tokenFor(bindingKey, { exp: Math.floor(Date.now() / 1000) + 3_600 });
  process.on('message', (message: string) => {
    if (message === 'stats') {
      const stats: ServerStats = {
        handshakes: server.connections,
        bindingVerifications: authenticator.bindingCache.verifications,
        accepted,
        rejected,
      };
      process.send!({ stats });
    }
    if (message === 'stop') void server.close().then(() => process.exit(0));
  });
  process.send!({
    ready: { port: server.port, cert: server.cert, token, bindingKey } satisfies ServerReady,
  });
}

// ---------------------------------------------------------------- clients (this process)

/** Runs `operation` from `concurrency` loops for `durationMs`; returns completions per second. */
async function closedLoopRate(operation: () => Promise<void>, durationMs: number): Promise<number> {
  const deadline = performance.now() + durationMs;
  let count = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await operation();
        count += 1;
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/** One client context for every connection: the CA is parsed once, as a real client would. */
let clientContext: SecureContext;

/** A full handshake: connect, then close and wait until the server has closed too (it saw Finished). */
function handshake(server: ServerReady): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      {
        host: '127.0.0.1',
        port: server.port,
        servername: 'localhost',
        secureContext: clientContext,
        minVersion: 'TLSv1.3',
      },
      () => {
        socket.end();
      },
    );
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
}

const securedSockets = new WeakSet<TLSSocket>();
/** A client signs its binding once per connection (the EKM does not change) and resends it. */
const bindingHeaders = new WeakMap<TLSSocket, string>();

function guardedRequest(server: ServerReady, agent: Agent | false, path = '/v1/me'): Promise<void> {
  return new Promise((resolve, reject) => {
    // `secureContext` is handed on to tls.connect; @types/node's RequestOptions does not list it.
    const options: RequestOptions & ConnectionOptions = {
      host: '127.0.0.1',
      port: server.port,
      servername: 'localhost',
      secureContext: clientContext,
      minVersion: 'TLSv1.3',
      path,
      agent,
      headers: { authorization: `Bearer ${server.token}` },
    };
    const request = httpsRequest(options);
    request.once('error', reject);
    request.once('socket', (raw) => {
      const socket = raw as TLSSocket;
      const send = () => {
        if (path !== '/plain') {
          let header = bindingHeaders.get(socket);
          if (header === undefined) {
            const ekm = exportTokenBindingKeyingMaterial(socket);
            header = createTokenBindingMessage({
              privateJwk: server.bindingKey.privateJwk,
              ekm,
              backend: 'native',
            }).header;
            bindingHeaders.set(socket, header);
          }
          request.setHeader('sec-token-binding', header);
        }
        request.end();
      };
      if (securedSockets.has(socket)) return send();
      socket.once('secureConnect', () => {
        securedSockets.add(socket);
        send();
      });
    });
    request.once('response', (response) => {
      if (response.statusCode !== 200) reject(new Error(`bench: status ${response.statusCode}`));
      response.resume();
      response.once('end', () => resolve());
    });
  });
}

async function measure(
  name: string,
  operation: () => Promise<void>,
  stats: () => Promise<ServerStats>,
) {
  await closedLoopRate(operation, warmUpMs);
  const before = await stats();
  const perSecond = await closedLoopRate(operation, measureMs);
  const after = await stats();
  const result = {
    name,
    perSecond: Math.round(perSecond),
    handshakes: after.handshakes - before.handshakes,
    bindingVerifications: after.bindingVerifications - before.bindingVerifications,
    accepted: after.accepted - before.accepted,
    rejected: after.rejected - before.rejected,
  };
  console.log(result);
  return result;
}

async function main(): Promise<void> {
  if (process.argv[2] === 'server') return runServer();
  const child = fork(__filename, ['server'], {
    execArgv: ['-r', '@swc-node/register'],
    stdio: 'inherit',
  });
  const server = await new Promise<ServerReady>((resolve) =>
    child.once('message', (message: { ready: ServerReady }) => resolve(message.ready)),
  );
  clientContext = createSecureContext({ ca: server.cert, minVersion: 'TLSv1.3' });
  const stats = () =>
    new Promise<ServerStats>((resolve) => {
      child.once('message', (message: { stats: ServerStats }) => resolve(message.stats));
      child.send('stats');
    });
  const keptAlive = new Agent({ keepAlive: true, maxSockets: concurrency });
  const keptAlivePlain = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const handshakes = await measure(guardRowNames.handshake, () => handshake(server), stats);
    const newConnectionUnguarded = await measure(
      guardRowNames.newConnectionUnguarded,
      () => guardedRequest(server, false, '/plain'),
      stats,
    );
    const newConnection = await measure(
      guardRowNames.newConnectionGuarded,
      () => guardedRequest(server, false),
      stats,
    );
    const keptAliveGuarded = await measure(
      guardRowNames.keptAliveGuarded,
      () => guardedRequest(server, keptAlive),
      stats,
    );
    const keptAliveUnguarded = await measure(
      guardRowNames.keptAliveUnguarded,
      () => guardedRequest(server, keptAlivePlain, '/plain'),
      stats,
    );
    if (keptAliveGuarded.rejected + newConnection.rejected > 0)
      throw new Error('bench: the guard rejected a request');
    // The token check alone, in this process: the floor under every guarded request.
    const issuer = createTestTokenIssuer();
    const keys = new JwksKeyStore({ staticJwks: issuer.jwks() });
    const token = await issuer.tokenFor(createTestBindingKey(), {
      exp: Math.floor(Date.now() / 1000) + 3_600,
    });
    const tokenOnly = await closedLoopRate(async () => {
      const result = await verifyAccessToken(token, {
        keys,
        issuer: issuer.issuer,
        audience: issuer.audience,
      });
      if (!result.ok) throw new Error('bench: token rejected');
    }, measureMs);
    const rows = [
      handshakes,
      newConnectionUnguarded,
      newConnection,
      keptAliveUnguarded,
      keptAliveGuarded,
    ];
    const table = [
      `Server: one Node process (one thread) with node:https and the guard core (token-binding mode, static JWKS); clients: ${concurrency} concurrent loops in another process. Each guarded request carries an ES256 access token and a Sec-Token-Binding signed over its connection's EKM (signed once per connection by the client, verified once per connection by the server; the token is verified on every request).`,
      '',
      '| what | per second | TLS handshakes | binding signature checks | accepted |',
      '|---|---|---|---|---|',
      ...rows.map(
        (row) =>
          `| ${row.name} | ${row.perSecond} | ${row.handshakes} | ${row.bindingVerifications} | ${row.accepted} |`,
      ),
      '',
      `New connection each request: ${Math.round((newConnection.perSecond / handshakes.perSecond) * 100)} % of the plain handshake rate, ` +
        `${Math.round((newConnection.perSecond / newConnectionUnguarded.perSecond) * 100)} % of an unguarded request on a new connection (the client signs one binding per connection). ` +
        `Kept-alive: ${Math.round((keptAliveGuarded.perSecond / keptAliveUnguarded.perSecond) * 100)} % of the unguarded request rate; ` +
        `${keptAliveGuarded.bindingVerifications} binding signature checks for ${keptAliveGuarded.accepted} requests: each of the ${concurrency} kept-alive connections was verified once, during the warm-up.`,
      `verifyAccessToken alone (ES256, ${concurrency} concurrent loops, one thread): ${Math.round(tokenOnly)}/s.`,
      `Load average at the end: ${os
        .loadavg()
        .map((load) => load.toFixed(2))
        .join(', ')} (other work on the machine lowers every row alike; compare rows of one run).`,
    ];
    const data = {
      concurrency,
      measureMs,
      loadAverage: os.loadavg(),
      rows,
      verifyAccessTokenPerSecond: Math.round(tokenOnly),
    };
    writeResults('guard', data, table, headlineFigures.guard(data));
  } finally {
    keptAlive.destroy();
    keptAlivePlain.destroy();
    child.send('stop');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
