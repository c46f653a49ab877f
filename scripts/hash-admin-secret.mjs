// Prints an entry for SETTLE_ADMIN_CREDENTIALS (docs/operations.md, "Admin credentials").
//
//   node scripts/hash-admin-secret.mjs --operator alice            generates a secret, prints it once
//   printf %s "$SECRET" | node scripts/hash-admin-secret.mjs --operator alice --stdin
//   node scripts/hash-admin-secret.mjs --operator bob --roles viewer,checker
//   node scripts/hash-admin-secret.mjs --operator alice --credential alice-card --roles checker
//
// --roles (viewer, maker, checker; comma-separated) goes into the entry as "roles"; without it the
// entry names none and the services give it viewer + maker (adminRolesDefault). --credential names a
// further credential of the same person (presented as Bearer <credential>.<secret>): a person's
// credentials share the operator id, so one person never checks their own movement.
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
  console.error(
    'usage: node scripts/hash-admin-secret.mjs --operator <operatorId> [--credential <credentialId>] [--roles viewer,maker,checker] [--stdin]',
  );
  process.exit(2);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

// The roles libs/platform/src/admin/admin-credentials.ts knows (adminRoles).
const knownRoles = ['viewer', 'maker', 'checker'];
const idPattern = /^[A-Za-z0-9_-]{1,64}$/;

const args = process.argv.slice(2);
const valueOf = (flag) => {
  const index = args.indexOf(flag);
  return index >= 0 ? (args[index + 1] ?? '') : undefined;
};
const operatorId = valueOf('--operator');
if (!operatorId || !idPattern.test(operatorId))
  usage('--operator must be 1 to 64 letters, digits, "_" or "-"');
const credentialId = valueOf('--credential');
if (credentialId !== undefined && !idPattern.test(credentialId))
  usage('--credential must be 1 to 64 letters, digits, "_" or "-"');
const rolesText = valueOf('--roles');
const roles = rolesText === undefined ? undefined : rolesText.split(',');
if (
  roles !== undefined &&
  (roles.length === 0 ||
    new Set(roles).size !== roles.length ||
    !roles.every((role) => knownRoles.includes(role)))
) {
  usage(`--roles must be distinct roles among ${knownRoles.join(', ')}, separated by commas`);
}
const fromStdin = args.includes('--stdin');
const secret = fromStdin ? await readStdin() : randomBytes(32).toString('base64url');
if (secret.length < 16) usage('the secret must be at least 16 characters');

const salt = randomBytes(saltBytes);
const hash = scryptSync(secret, salt, hashBytes, {
  N: cost,
  r: blockSize,
  p: parallelization,
  maxmem: 256 * cost * blockSize * parallelization,
});
const secretHash = [
  'scrypt',
  cost,
  blockSize,
  parallelization,
  salt.toString('base64'),
  hash.toString('base64'),
].join('$');

console.log(
  JSON.stringify({
    operatorId,
    ...(credentialId === undefined ? {} : { credentialId }),
    secretHash,
    ...(roles === undefined ? {} : { roles }),
  }),
);
if (!fromStdin) {
  const presented = credentialId ?? operatorId;
  console.error(
    `\nSecret for ${presented} (shown once; store it in the operators' vault):\n  ${secret}`,
  );
  console.error(`Use it as:  Authorization: Bearer ${presented}.<secret>`);
}
