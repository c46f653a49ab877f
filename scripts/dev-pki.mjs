// npm run start (through start-all) and `node scripts/dev-pki.mjs [--force] [--dir <directory>]`: the
// development PKI of the services that end TLS themselves and sign with processor keys, under
// .cache/dev-pki/ by default —
//
//   ca.crt, ca.key                     a development CA (P-256, 30 days), which devices and tools trust
//   token-issuer.crt, token-issuer.key the token issuer's TLS server certificate (localhost, 127.0.0.1, ::1)
//   key-custody.json                   the token issuer's key-custody document: one token-signing key (0600)
//   registry.crt, registry.key         the registry's TLS server certificate (same names)
//   registry-key-custody.json          the registry's key-custody document: one credential-signing key (0600)
//   verifier.crt, verifier.key         the verifier's TLS server certificate (same names)
//   verifier-key-custody.json          the verifier's key-custody document: one receipt-signing key (0600)
//
// One custody file per service, never shared: each holds only its service's purpose, as a Secret per
// service does in Kubernetes (docs/deployment.md).
//
// Existing files are kept (so tokens, credentials and the CA stay valid across restarts) unless --force
// is given, a certificate expires within a week or was not issued by the current CA. NEVER for
// production: there, certificates come from cert-manager and signing keys from a KMS or a mounted
// Secret (docs/security.md, docs/deployment.md).
//
// The custody documents have the shape libs/key-custody's createKeyCustodyDocument produces
// ({ keys: [{ purpose, privateJwk, activatesAt }] }); apps/token-issuer's tests load this script's
// output with FileKeyCustody to keep the two in step.
import { execFileSync } from 'node:child_process';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const defaultDevPkiDirectory = path.join(root, '.cache/dev-pki');
const validityDays = 30;
const renewBeforeMs = 7 * 24 * 3_600_000;
/** The token issuer's default port (scripts/lib/services.mjs): the registry's and the verifier's guards fetch its JWKS there. */
const defaultTokenIssuerPort = 3004;

/** Per service: its certificate's file name stem and its custody file with the one purpose it signs for. */
const servers = {
  'token-issuer': {
    stem: 'token-issuer',
    custodyFile: 'key-custody.json',
    purpose: 'token-signing',
  },
  registry: {
    stem: 'registry',
    custodyFile: 'registry-key-custody.json',
    purpose: 'credential-signing',
  },
  verifier: {
    stem: 'verifier',
    custodyFile: 'verifier-key-custody.json',
    purpose: 'receipt-signing',
  },
};

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

function stillValid(certificateFile, caFile) {
  if (!existsSync(certificateFile)) return false;
  const certificate = new X509Certificate(readFileSync(certificateFile));
  if (new Date(certificate.validTo).getTime() - Date.now() <= renewBeforeMs) return false;
  if (caFile === undefined) return true;
  const ca = new X509Certificate(readFileSync(caFile));
  return certificate.checkIssued(ca) && certificate.verify(ca.publicKey);
}

function issueServerCertificate(directory, caFiles, stem) {
  const request = path.join(directory, `${stem}.csr`);
  const extensions = path.join(directory, `${stem}.ext`);
  const cert = path.join(directory, `${stem}.crt`);
  const key = path.join(directory, `${stem}.key`);
  writeFileSync(
    extensions,
    'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n',
  );
  openssl(
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-keyout',
      key,
      '-out',
      request,
    ],
    directory,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      request,
      '-CA',
      caFiles.caCert,
      '-CAkey',
      caFiles.caKey,
      '-CAcreateserial',
      '-days',
      String(validityDays),
      '-extfile',
      extensions,
      '-out',
      cert,
    ],
    directory,
  );
  rmSync(request, { force: true });
  rmSync(extensions, { force: true });
  rmSync(path.join(directory, 'ca.srl'), { force: true });
  chmodSync(key, 0o600);
}

function writeCustodyDocument(file, purpose) {
  const privateJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    format: 'jwk',
  });
  const document = {
    keys: [
      {
        purpose,
        privateJwk: { kty: 'EC', crv: 'P-256', x: privateJwk.x, y: privateJwk.y, d: privateJwk.d },
        activatesAt: new Date().toISOString(),
      },
    ],
  };
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Makes (or keeps) the development CA, the token issuer's, the registry's and the verifier's server
 * certificates and their custody documents. `serverCert`/`serverKey`/`keyCustody` are the token
 * issuer's (kept names).
 */
export function createDevPki({ directory = defaultDevPkiDirectory, force = false } = {}) {
  const files = {
    caCert: path.join(directory, 'ca.crt'),
    caKey: path.join(directory, 'ca.key'),
    serverCert: path.join(directory, 'token-issuer.crt'),
    serverKey: path.join(directory, 'token-issuer.key'),
    keyCustody: path.join(directory, servers['token-issuer'].custodyFile),
    registryCert: path.join(directory, 'registry.crt'),
    registryKey: path.join(directory, 'registry.key'),
    registryKeyCustody: path.join(directory, servers.registry.custodyFile),
    verifierCert: path.join(directory, 'verifier.crt'),
    verifierKey: path.join(directory, 'verifier.key'),
    verifierKeyCustody: path.join(directory, servers.verifier.custodyFile),
  };
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const renewCa = force || !existsSync(files.caKey) || !stillValid(files.caCert);
  if (renewCa) {
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        String(validityDays),
        '-subj',
        '/CN=settle development CA',
        '-addext',
        'basicConstraints=critical,CA:TRUE,pathlen:0',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
        '-keyout',
        files.caKey,
        '-out',
        files.caCert,
      ],
      directory,
    );
    chmodSync(files.caKey, 0o600);
  }
  const renewed = renewCa ? ['ca'] : [];
  for (const [service, { stem, custodyFile, purpose }] of Object.entries(servers)) {
    if (
      renewCa ||
      !existsSync(path.join(directory, `${stem}.key`)) ||
      !stillValid(path.join(directory, `${stem}.crt`), files.caCert)
    ) {
      issueServerCertificate(directory, files, stem);
      renewed.push(`${service} certificate`);
    }
    if (force || !existsSync(path.join(directory, custodyFile))) {
      writeCustodyDocument(path.join(directory, custodyFile), purpose);
      renewed.push(`${service} ${purpose} key`);
    }
  }
  return { ...files, renewed: renewed.length > 0, made: renewed };
}

/**
 * A service's environment for the development PKI (empty for services without TLS or keys):
 *   token-issuer  SETTLE_HTTP_TLS_CERT_FILE/_KEY_FILE, SETTLE_KEY_CUSTODY_FILE (token-signing)
 *   registry      SETTLE_HTTP_TLS_CERT_FILE/_KEY_FILE, SETTLE_KEY_CUSTODY_FILE (credential-signing),
 *                 SETTLE_AUTH_JWKS_URL (the local token issuer's JWKS) and NODE_EXTRA_CA_CERTS (the
 *                 development CA, so the guard's fetch trusts the issuer's certificate)
 *   verifier      the same as the registry, with its own certificate and receipt-signing key
 */
export function devPkiEnvironment(
  files,
  service = 'token-issuer',
  { tokenIssuerPort = defaultTokenIssuerPort } = {},
) {
  if (service === 'token-issuer') {
    return {
      SETTLE_HTTP_TLS_CERT_FILE: files.serverCert,
      SETTLE_HTTP_TLS_KEY_FILE: files.serverKey,
      SETTLE_KEY_CUSTODY_FILE: files.keyCustody,
    };
  }
  const guarded = {
    registry: {
      cert: files.registryCert,
      key: files.registryKey,
      custody: files.registryKeyCustody,
    },
    verifier: {
      cert: files.verifierCert,
      key: files.verifierKey,
      custody: files.verifierKeyCustody,
    },
  }[service];
  if (guarded === undefined) return {};
  return {
    SETTLE_HTTP_TLS_CERT_FILE: guarded.cert,
    SETTLE_HTTP_TLS_KEY_FILE: guarded.key,
    SETTLE_KEY_CUSTODY_FILE: guarded.custody,
    SETTLE_AUTH_JWKS_URL: `https://127.0.0.1:${tokenIssuerPort}/.well-known/jwks.json`,
    NODE_EXTRA_CA_CERTS: files.caCert,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const directoryIndex = args.indexOf('--dir');
  const directory =
    directoryIndex >= 0 ? path.resolve(args[directoryIndex + 1] ?? '') : defaultDevPkiDirectory;
  const files = createDevPki({ directory, force: args.includes('--force') });
  console.log(
    `[dev-pki] ${files.renewed ? `made ${files.made.join(', ')}` : 'kept everything'} in ${path.relative(process.cwd(), directory) || '.'}`,
  );
  for (const service of Object.keys(servers)) {
    console.log(`  ${service}:`);
    for (const [name, value] of Object.entries(devPkiEnvironment(files, service)))
      console.log(`    ${name}=${value}`);
  }
  console.log(
    `  trust: ${files.caCert}  (e.g. curl --cacert ${files.caCert} https://localhost:3004/.well-known/jwks.json)`,
  );
}
