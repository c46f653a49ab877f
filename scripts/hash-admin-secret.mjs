// Prints an entry for SETTLE_ADMIN_CREDENTIALS (docs/operations.md, "Admin credentials").
//
//   node scripts/hash-admin-secret.mjs --operator alice            generates a secret, prints it once
//   printf %s "$SECRET" | node scripts/hash-admin-secret.mjs --operator alice --stdin
//
// The secret is never taken as an argument (it would end up in the shell history). The hash format,
// scrypt$N$r$p$saltBase64$hashBase64, is the one libs/platform/src/admin/admin-credentials.ts parses;
// the parameters here are its scryptDefaults.
import { randomBytes, scryptSync } from 'node:crypto';

const cost = 2 ** 15;
const blockSize = 8;
const parallelization = 1;
const saltBytes = 16;
const hashBytes = 32;

function usage(message) {
  if (message) console.error(message);
  console.error('usage: node scripts/hash-admin-secret.mjs --operator <operatorId> [--stdin]');
  process.exit(2);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const args = process.argv.slice(2);
const operatorIndex = args.indexOf('--operator');
const operatorId = operatorIndex >= 0 ? args[operatorIndex + 1] : undefined;
if (!operatorId || !/^[A-Za-z0-9_-]{1,64}$/.test(operatorId)) usage('--operator must be 1 to 64 letters, digits, "_" or "-"');
const fromStdin = args.includes('--stdin');
const secret = fromStdin ? await readStdin() : randomBytes(32).toString('base64url');
if (secret.length < 16) usage('the secret must be at least 16 characters');

const salt = randomBytes(saltBytes);
const hash = scryptSync(secret, salt, hashBytes, { N: cost, r: blockSize, p: parallelization, maxmem: 256 * cost * blockSize * parallelization });
const secretHash = ['scrypt', cost, blockSize, parallelization, salt.toString('base64'), hash.toString('base64')].join('$');

console.log(JSON.stringify({ operatorId, secretHash }));
if (!fromStdin) {
  console.error(`\nSecret for ${operatorId} (shown once; store it in the operators' vault):\n  ${secret}`);
  console.error(`Use it as:  Authorization: Bearer ${operatorId}.<secret>`);
}
