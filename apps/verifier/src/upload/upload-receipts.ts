// What POST /v1/uploads answers per transaction (docs/verifier.md, "Upload").

/**
 * Why one transaction of a batch was refused. A closed, ordered, append-only set: the POS switches on
 * it. The first seven are listed in the order they are checked; codes appended later keep their place
 * at the end even when their check runs earlier (docs/verifier.md, "Upload", gives the order of the
 * checks: the first that applies is the answer).
 */
export const uploadRefusalCodes = [
  /** More bytes than `uploadTransactionSizeMaxBytes`; nothing else was read. */
  'TRANSACTION_TOO_LARGE',
  /** `decodeOfflineTransaction` refused it; `field` is the protocol failure's (`authorization/…`). */
  'TRANSACTION_MALFORMED',
  /**
   * The payment request names another terminal than the token's subject (`request/terminalId`), or the
   * approval is signed with a key that is not this terminal's payment key (`approval/keyId`).
   */
  'TERMINAL_MISMATCH',
  /** The payment request names another merchant than the token's owner. */
  'MERCHANT_MISMATCH',
  /** createdAt, authorizedAt or approvedAt later than the receipt time + SETTLE_VERIFIER_CLOCK_SKEW_MS. */
  'TIMESTAMP_IN_FUTURE',
  /** The authorization's key is not (yet) a device payment key in the projection: retry later. */
  'CONSUMER_KEY_UNKNOWN',
  /** The transaction id is known with other signed content: recorded, and a fraud signal raised. */
  'DUPLICATE_WITH_DIFFERENT_CONTENT',
  /** The approval's key is not (yet) in the projection: retry later (checked right after CONSUMER_KEY_UNKNOWN). */
  'TERMINAL_KEY_UNKNOWN',
] as const;
export type UploadRefusalCode = (typeof uploadRefusalCodes)[number];

/** Codes a later upload of the same bytes may turn into an acceptance: the projection catches up. */
export const retryableUploadRefusalCodes: ReadonlySet<UploadRefusalCode> = new Set([
  'CONSUMER_KEY_UNKNOWN',
  'TERMINAL_KEY_UNKNOWN',
]);

/** One transaction's answer, in the batch's order (`index` is its position). */
export type UploadReceipt =
  | {
      readonly index: number;
      readonly transactionId: string;
      readonly status: 'accepted';
      /** The id was already received, with the same signed content, in an earlier batch or earlier in this one. */
      readonly duplicate?: true;
    }
  | {
      readonly index: number;
      /** Null when the bytes do not decode far enough to have one. */
      readonly transactionId: string | null;
      readonly status: 'refused';
      readonly code: UploadRefusalCode;
      /** The part the refusal is about (`request/terminalId`, `authorization/signature`…). */
      readonly field: string;
      readonly message: string;
      readonly retryable?: true;
    };

export type UploadRefusal = Extract<UploadReceipt, { status: 'refused' }>;

/** A refusal receipt, `retryable` set from the code. */
export function refusal(
  index: number,
  transactionId: string | null,
  code: UploadRefusalCode,
  field: string,
  message: string,
): UploadRefusal {
  return {
    index,
    transactionId,
    status: 'refused',
    code,
    field,
    message,
    ...(retryableUploadRefusalCodes.has(code) ? { retryable: true as const } : {}),
  };
}

/** An acceptance receipt. */
export function acceptance(
  index: number,
  transactionId: string,
  duplicate: boolean,
): UploadReceipt {
  return {
    index,
    transactionId,
    status: 'accepted',
    ...(duplicate ? { duplicate: true as const } : {}),
  };
}
