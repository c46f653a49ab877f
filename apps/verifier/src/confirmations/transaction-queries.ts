import { type PrincipalRole } from '@settle/contracts';
import { type SqlExecutor } from '@settle/messaging';

/** Most confirmations one GET /v1/confirmations page lists. */
export const confirmationsPageSizeMax = 500;

/** Confirmations per page when the caller does not say. */
export const confirmationsPageSizeDefault = 100;

/** The largest cursor: confirmation_seq is a PostgreSQL bigint. */
export const confirmationCursorMax = 9_223_372_036_854_775_807n;

/**
 * Whose transactions a caller sees: a terminal those it uploaded (and of its merchant), a phone those
 * its device authorized. Nothing else is ever visible: another's id answers as unknown.
 */
export type CallerScope =
  | { readonly kind: 'terminal'; readonly terminalId: string; readonly merchantId: string }
  | { readonly kind: 'device'; readonly deviceId: string };

export function scopeOf(principal: {
  readonly role: PrincipalRole;
  readonly subject: string;
  readonly owner: string;
}): CallerScope {
  switch (principal.role) {
    case 'pos-terminal':
      return { kind: 'terminal', terminalId: principal.subject, merchantId: principal.owner };
    case 'consumer-device':
      return { kind: 'device', deviceId: principal.subject };
  }
}

/** The WHERE clause of a scope, its parameters numbered from `first`. */
function scopeCondition(scope: CallerScope, first: number): { sql: string; values: string[] } {
  return scope.kind === 'terminal'
    ? {
        sql: `terminal_id = $${first} AND merchant_id = $${first + 1}`,
        values: [scope.terminalId, scope.merchantId],
      }
    : { sql: `consumer_device_id = $${first}`, values: [scope.deviceId] };
}

/** GET /v1/transactions/{transactionId}. */
export interface TransactionStatusView {
  readonly transactionId: string;
  readonly status: string;
  readonly reasonCode: string | null;
  readonly uploadedAt: string;
  readonly decidedAt: string | null;
  readonly settledAt: string | null;
  /** base64url of the signed confirmation, once the transaction is final. */
  readonly confirmation: string | null;
}

/** One entry of GET /v1/confirmations. */
export interface ConfirmationView {
  /** The confirmation_seq, as a decimal string: pass the last one as `after`. */
  readonly cursor: string;
  readonly transactionId: string;
  readonly status: string;
  readonly reasonCode: string | null;
  readonly confirmation: string;
}

interface StatusRow extends Record<string, unknown> {
  transaction_id: string;
  status: string;
  reason_code: string | null;
  uploaded_at: Date;
  decided_at: Date | null;
  settled_at: Date | null;
  confirmation: Buffer | null;
}

/** One transaction of the caller's, or null (unknown, or another terminal's or device's). */
export async function transactionStatus(
  sql: SqlExecutor,
  transactionId: string,
  scope: CallerScope,
): Promise<TransactionStatusView | null> {
  const condition = scopeCondition(scope, 2);
  const { rows } = await sql.query<StatusRow>(
    `SELECT transaction_id, status, reason_code, uploaded_at, decided_at, settled_at, confirmation
       FROM verifier_transactions WHERE transaction_id = $1 AND ${condition.sql}`,
    [transactionId, ...condition.values],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    transactionId: row.transaction_id,
    status: row.status,
    reasonCode: row.reason_code,
    uploadedAt: row.uploaded_at.toISOString(),
    decidedAt: row.decided_at?.toISOString() ?? null,
    settledAt: row.settled_at?.toISOString() ?? null,
    confirmation: row.confirmation === null ? null : row.confirmation.toString('base64url'),
  };
}

interface ConfirmationRow extends Record<string, unknown> {
  cursor: string;
  transaction_id: string;
  status: string;
  reason_code: string | null;
  confirmation: Buffer;
}

/**
 * The caller's confirmations after `after`, in confirmation_seq order, at most `limit`. The seq is
 * given in commit order (migration 0006), so a page never skips one that commits later. `nextCursor`
 * is the last one listed, or `after` when there is none (the caller keeps its place).
 */
export async function confirmationsPage(
  sql: SqlExecutor,
  scope: CallerScope,
  page: { readonly after: bigint; readonly limit: number },
): Promise<{ confirmations: ConfirmationView[]; nextCursor: string }> {
  if (page.after < 0n || page.after > confirmationCursorMax)
    throw new Error('the cursor is a non-negative bigint');
  if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > confirmationsPageSizeMax)
    throw new Error(`a page has 1..${confirmationsPageSizeMax} entries`);
  const condition = scopeCondition(scope, 3);
  const { rows } = await sql.query<ConfirmationRow>(
    // Ordered by the bigint column, not the text cursor (an output column of the same name would win
    // in ORDER BY and sort '10' before '4').
    `SELECT confirmation_seq::text AS cursor, transaction_id, status, reason_code, confirmation
       FROM verifier_transactions WHERE confirmation_seq > $1::bigint AND ${condition.sql}
      ORDER BY verifier_transactions.confirmation_seq LIMIT $2`,
    [page.after.toString(), page.limit, ...condition.values],
  );
  const confirmations = rows.map((row) => ({
    cursor: row.cursor,
    transactionId: row.transaction_id,
    status: row.status,
    reasonCode: row.reason_code,
    confirmation: row.confirmation.toString('base64url'),
  }));
  return {
    confirmations,
    nextCursor: confirmations[confirmations.length - 1]?.cursor ?? page.after.toString(),
  };
}
