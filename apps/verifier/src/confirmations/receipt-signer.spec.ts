import { randomBytes } from 'node:crypto';
import {
  type ProcessorConfirmation,
  protocolPublicKey,
  verifyProcessorConfirmation,
} from '@settle/protocol';
import { createKeyCustodyDocument, FileKeyCustody, type KeyCustody } from '@settle/key-custody';
import { classifyHandlerError } from '@settle/messaging';
import { ProblemException } from '@settle/platform';
import { type VerifierSettings } from '../config';
import { ReceiptKeyUnavailableError, ReceiptSigner } from './receipt-signer';

const dayMs = 24 * 3_600_000;
const now = new Date('2026-11-28T10:00:00.000Z');
const settings = {
  SETTLE_VERIFIER_RECEIPT_KEY_OVERLAP_MS: 90 * dayMs,
  SETTLE_VERIFIER_RECEIPT_KEY_PREPUBLISH_MS: 7 * dayMs,
} as VerifierSettings;
const confirmation: ProcessorConfirmation = {
  transactionId: new Uint8Array(randomBytes(32)),
  terminalId: 'ter_1',
  amount: 1250n,
  currency: 'EUR',
  outcome: 'accepted',
  reasonCode: null,
  confirmedAtMs: now.getTime(),
};

/** Custody whose every call fails as a missing document does (the file system's error). */
const missingDocument: KeyCustody = {
  keys: async () => {
    throw Object.assign(
      new Error('ENOENT: no such file or directory, stat /run/secrets/key-custody.json'),
      { code: 'ENOENT', syscall: 'stat' },
    );
  },
  sign: async () => {
    throw new Error('unreachable');
  },
};

describe('ReceiptSigner', () => {
  it('signs with the receipt key active now; the confirmation verifies with the published keys', async () => {
    const signer = new ReceiptSigner(
      FileKeyCustody.fromDocument(
        createKeyCustodyDocument(['receipt-signing'], new Date(now.getTime() - dayMs)),
      ),
      settings,
    );
    const bytes = await signer.sign(confirmation, now);
    const processorKeys = (await signer.publishedKeys(now)).map((key) =>
      protocolPublicKey(key.publicJwk),
    );
    expect(
      verifyProcessorConfirmation(bytes, {
        processorKeys,
        algorithms: ['ES256'],
        backend: 'native',
      }),
    ).toMatchObject({ ok: true, value: { confirmation } });
  });

  it('signs with the key custody holds at each call: a rotated key is used at once, the old one no more', async () => {
    const dayBefore = new Date(now.getTime() - dayMs);
    let document = createKeyCustodyDocument(['receipt-signing'], dayBefore);
    const rotating: KeyCustody = {
      keys: (purpose) => FileKeyCustody.fromDocument(document).keys(purpose),
      sign: (purpose, kid, data) => FileKeyCustody.fromDocument(document).sign(purpose, kid, data),
    };
    const signer = new ReceiptSigner(rotating, settings);
    const verifiedWithCustodyKeys = async (bytes: Uint8Array) => {
      const keys = (await rotating.keys('receipt-signing')).map((key) =>
        protocolPublicKey(key.publicJwk),
      );
      return verifyProcessorConfirmation(bytes, {
        processorKeys: keys,
        algorithms: ['ES256'],
        backend: 'native',
      });
    };
    expect(await verifiedWithCustodyKeys(await signer.sign(confirmation, now))).toMatchObject({
      ok: true,
    });
    expect(await verifiedWithCustodyKeys(await signer.sign(confirmation, now))).toMatchObject({
      ok: true,
    });
    document = createKeyCustodyDocument(['receipt-signing'], dayBefore);
    // Verified with the new key only: the confirmation names and is signed by it.
    expect(await verifiedWithCustodyKeys(await signer.sign(confirmation, now))).toMatchObject({
      ok: true,
    });
  });

  it('turns any failure of custody into a retriable RECEIPT_KEY_UNAVAILABLE, which the inbox retries', async () => {
    const signer = new ReceiptSigner(missingDocument, settings);
    const error: unknown = await signer.sign(confirmation, now).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReceiptKeyUnavailableError);
    expect(error).toMatchObject({
      code: 'RECEIPT_KEY_UNAVAILABLE',
      retriable: true,
      message: expect.stringContaining('ENOENT'),
    });
    expect(classifyHandlerError(error)).toMatchObject({ kind: 'transient' });
    // No key active yet (a rotation scheduled wrongly): the same.
    const early = new ReceiptSigner(
      FileKeyCustody.fromDocument(
        createKeyCustodyDocument(['receipt-signing'], new Date(now.getTime() + dayMs)),
      ),
      settings,
    );
    await expect(early.sign(confirmation, now)).rejects.toMatchObject({
      code: 'RECEIPT_KEY_UNAVAILABLE',
      retriable: true,
    });
  });

  it('leaves an invalid confirmation’s error alone: a bug or bad data is not retried forever', async () => {
    const signer = new ReceiptSigner(
      FileKeyCustody.fromDocument(
        createKeyCustodyDocument(['receipt-signing'], new Date(now.getTime() - dayMs)),
      ),
      settings,
    );
    const error: unknown = await signer
      .sign({ ...confirmation, reasonCode: 'COUNTER_REUSED' }, now)
      .catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(ReceiptKeyUnavailableError);
    expect(classifyHandlerError(error)).toMatchObject({ kind: 'permanent' });
  });

  it('answers 503 RECEIPT_KEY_UNAVAILABLE for the key set when custody cannot be read', async () => {
    const error: unknown = await new ReceiptSigner(missingDocument, settings)
      .publishedKeys(now)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProblemException);
    expect((error as ProblemException).problem).toMatchObject({
      status: 503,
      code: 'RECEIPT_KEY_UNAVAILABLE',
    });
  });
});
