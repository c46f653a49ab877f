// The whole offline payment between a phone and a terminal, over sound (ggwave through WAV-free
// audio buffers), as DESIGN §1 describes it: request + terminal credential out, authorization +
// device credential back, countersigned and queued for upload.
import {
  decodeOfflineTransaction,
  formatTransactionId,
  unwrapProtocolResult,
} from '@settle/protocol';
import {
  type SoundModem,
  decodeRecording,
  encodeTransmission,
  loadGgwaveModem,
  soundMessageFramesMax,
} from '@settle/sound-link';
import { newTerminal, newWallet, nonce, paymentTimeMs } from './testing/device-fixtures';

let modem: SoundModem;
beforeAll(async () => (modem = await loadGgwaveModem()));
afterAll(() => modem.close());

it('pays 12.50 EUR offline over sound, from request to the upload queue', async () => {
  const { wallet } = await newWallet();
  const { pos } = await newTerminal();

  // POS → PCD: terminal credential (2 frames) then the request (1 frame).
  const created = pos.createRequest({
    amount: 1250n,
    currency: 'EUR',
    nonce: nonce(99),
    nowMs: paymentTimeMs,
    validityMs: 120_000,
  });
  const toPhone = decodeRecording(
    modem,
    encodeTransmission(modem, [
      { bytes: created.terminalCredentialBytes, framesMax: soundMessageFramesMax },
      { bytes: created.requestBytes, framesMax: 1 },
    ]),
  );
  const [terminalCredentialBytes, requestBytes] = toPhone.messages;
  const presented = await wallet.presentRequest({
    requestBytes: requestBytes!,
    terminalCredentialBytes: terminalCredentialBytes!,
    nowMs: paymentTimeMs + 2_000,
  });
  if (!presented.ok) throw new Error(presented.message);
  expect(presented.value.merchantDisplayName).toBe('Café Olé');

  // PCD → POS: the authorization (1 frame) and the device credential (2 frames).
  const approved = await wallet.approve(presented.value, {
    nowMs: paymentTimeMs + 9_000,
    prompt: { title: 'Pay 12.50 EUR', subtitle: 'Café Olé' },
  });
  if (!approved.ok) throw new Error(approved.message);
  const toTerminal = decodeRecording(
    modem,
    encodeTransmission(modem, [
      { bytes: approved.value.authorizationBytes, framesMax: 1 },
      { bytes: approved.value.deviceCredentialBytes, framesMax: soundMessageFramesMax },
    ]),
  );
  const [authorizationBytes, deviceCredentialBytes] = toTerminal.messages;
  const accepted = await pos.acceptAuthorization({
    requestBytes: created.requestBytes,
    authorizationBytes: authorizationBytes!,
    deviceCredentialBytes: deviceCredentialBytes!,
    nowMs: paymentTimeMs + 30_000,
  });
  if (!accepted.ok) throw new Error(accepted.message);

  expect(formatTransactionId(accepted.value.transactionId)).toBe(
    formatTransactionId(approved.value.transactionId),
  );
  const [queued] = pos.pendingUploads();
  expect(unwrapProtocolResult(decodeOfflineTransaction(queued!.bytes)).request.amount).toBe(1250n);
});

it('pays again over sound with one message (one frame) each way: sound forms, credentials kept from the first payment', async () => {
  const { wallet } = await newWallet();
  const { pos } = await newTerminal();
  const overSound = (messages: Uint8Array[]) => {
    const audio = encodeTransmission(
      modem,
      messages.map((bytes) => ({ bytes, framesMax: soundMessageFramesMax })),
    );
    const heard = decodeRecording(modem, audio);
    expect(heard.failures).toEqual([]);
    return { messages: heard.messages, seconds: audio.samples.length / audio.sampleRateHz };
  };
  const pay = async (seed: number, withCredentials: boolean) => {
    const created = pos.createRequest({
      amount: 1250n,
      currency: 'EUR',
      nonce: nonce(seed),
      nowMs: paymentTimeMs,
      validityMs: 120_000,
    });
    const toPhone = overSound(
      withCredentials
        ? [created.terminalCredentialSoundForm, created.requestSoundForm]
        : [created.requestSoundForm],
    );
    const [terminalCredentialSoundForm, requestSoundForm] = withCredentials
      ? toPhone.messages
      : [undefined, toPhone.messages[0]];
    const presented = await wallet.presentSoundRequest({
      requestSoundForm: requestSoundForm!,
      ...(terminalCredentialSoundForm ? { terminalCredentialSoundForm } : {}),
      nowMs: paymentTimeMs + 2_000,
    });
    if (!presented.ok) throw new Error(presented.message);
    const approved = await wallet.approve(presented.value, {
      nowMs: paymentTimeMs + 9_000,
      prompt: { title: 'Pay 12.50 EUR', subtitle: 'Café Olé' },
    });
    if (!approved.ok) throw new Error(approved.message);
    const sendCredential = !approved.value.terminalHasDeviceCredential;
    const toTerminal = overSound(
      sendCredential
        ? [approved.value.authorizationSoundForm, approved.value.deviceCredentialSoundForm]
        : [approved.value.authorizationSoundForm],
    );
    const [authorizationSoundForm, deviceCredentialSoundForm] = toTerminal.messages;
    const accepted = await pos.acceptSoundAuthorization({
      authorizationSoundForm: authorizationSoundForm!,
      ...(deviceCredentialSoundForm ? { deviceCredentialSoundForm } : {}),
      nowMs: paymentTimeMs + 20_000,
    });
    if (!accepted.ok) throw new Error(accepted.message);
    expect(accepted.value.transactionId).toEqual(approved.value.transactionId);
    return { sendCredential, messages: toPhone.messages.length + toTerminal.messages.length };
  };

  expect(await pay(100, true)).toEqual({ sendCredential: true, messages: 4 });
  expect(await pay(101, false)).toEqual({ sendCredential: false, messages: 2 });
  expect(pos.pendingUploads()).toHaveLength(2);
});
