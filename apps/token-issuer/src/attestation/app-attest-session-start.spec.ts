// The session-start App Attest check: the device's App Attest key (its payment key) signs, over client
// data naming the binding key and the connection's EKM; the binding key's own signature, an assertion
// for another binding key or another connection, and a counter not above the stored one are refused.
import { randomBytes } from 'node:crypto';
import { appAttestSessionStartClientDataHash } from '@settle/attestation';
import {
  type TestKeyPair,
  buildAppAttestAssertion,
  generateTestKeyPair,
  testAppId,
} from '@settle/attestation/testing';
import { calculateJwkThumbprint } from '@settle/crypto';
import {
  type DeviceAppAttestKey,
  appAttestKeysPerDeviceMax,
  checkSessionStartAssertion,
} from './app-attest-session-start';

describe('checkSessionStartAssertion', () => {
  let appAttestKey: TestKeyPair;
  let bindingKey: TestKeyPair;
  let bindingKeyId: string;
  const ekm = new Uint8Array(randomBytes(32));

  beforeAll(async () => {
    [appAttestKey, bindingKey] = await Promise.all([generateTestKeyPair(), generateTestKeyPair()]);
    bindingKeyId = calculateJwkThumbprint(bindingKey.publicJwk);
  });

  const deviceKey = (key: TestKeyPair, previousCounter = 0): DeviceAppAttestKey => {
    const { x, y } = key.publicJwk;
    return {
      keyId: calculateJwkThumbprint(key.publicJwk),
      publicJwk: { kty: 'EC', crv: 'P-256', x, y },
      previousCounter,
    };
  };
  const assertionBy = (
    key: TestKeyPair,
    options: { counter?: number; bindingKeyId?: string; ekm?: Uint8Array; appId?: string } = {},
  ) =>
    buildAppAttestAssertion({
      key,
      counter: options.counter ?? 1,
      ...(options.appId === undefined ? {} : { appId: options.appId }),
      clientDataHash: appAttestSessionStartClientDataHash({
        bindingKeyId: options.bindingKeyId ?? bindingKeyId,
        ekm: options.ekm ?? ekm,
      }),
    });
  const check = (assertion: Uint8Array, appAttestKeys: readonly DeviceAppAttestKey[]) =>
    checkSessionStartAssertion({ assertion, bindingKeyId, ekm, appId: testAppId, appAttestKeys });

  it('accepts the App Attest key’s assertion naming this binding key and this EKM, with its counter', async () => {
    expect(
      check(await assertionBy(appAttestKey, { counter: 7 }), [deviceKey(appAttestKey, 6)]),
    ).toEqual({ ok: true, keyId: calculateJwkThumbprint(appAttestKey.publicJwk), counter: 7 });
  });

  it('finds the signer among the device’s App Attest keys (a re-enrolment seen half-way)', async () => {
    const other = await generateTestKeyPair();
    const keys = [deviceKey(other, 3), deviceKey(appAttestKey, 0)];
    expect(check(await assertionBy(appAttestKey, { counter: 1 }), keys)).toEqual({
      ok: true,
      keyId: keys[1]!.keyId,
      counter: 1,
    });
  });

  it('refuses the binding key’s own signature (what a stolen binding key could make): SIGNATURE_INVALID', async () => {
    expect(check(await assertionBy(bindingKey), [deviceKey(appAttestKey)])).toEqual({
      ok: false,
      reason: 'SIGNATURE_INVALID',
    });
  });

  it('refuses an assertion whose client data names another binding key, or another connection: SIGNATURE_INVALID', async () => {
    const otherBindingKeyId = calculateJwkThumbprint((await generateTestKeyPair()).publicJwk);
    expect(
      check(await assertionBy(appAttestKey, { bindingKeyId: otherBindingKeyId }), [
        deviceKey(appAttestKey),
      ]),
    ).toEqual({ ok: false, reason: 'SIGNATURE_INVALID' });
    expect(
      check(await assertionBy(appAttestKey, { ekm: new Uint8Array(randomBytes(32)) }), [
        deviceKey(appAttestKey),
      ]),
    ).toEqual({ ok: false, reason: 'SIGNATURE_INVALID' });
  });

  it('refuses a counter not above the stored one: COUNTER_NOT_INCREASING (equal and lower)', async () => {
    expect(
      check(await assertionBy(appAttestKey, { counter: 5 }), [deviceKey(appAttestKey, 5)]),
    ).toEqual({ ok: false, reason: 'COUNTER_NOT_INCREASING' });
    expect(
      check(await assertionBy(appAttestKey, { counter: 4 }), [deviceKey(appAttestKey, 5)]),
    ).toEqual({ ok: false, reason: 'COUNTER_NOT_INCREASING' });
  });

  it('refuses another app’s assertion (RP_ID_MISMATCH) and malformed bytes (EVIDENCE_MALFORMED)', async () => {
    expect(
      check(await assertionBy(appAttestKey, { appId: 'ZZZZZ99999.com.example.other' }), [
        deviceKey(appAttestKey),
      ]),
    ).toEqual({ ok: false, reason: 'RP_ID_MISMATCH' });
    expect(check(new Uint8Array([0xa0]), [deviceKey(appAttestKey)])).toEqual({
      ok: false,
      reason: 'EVIDENCE_MALFORMED',
    });
  });

  it('crashes on a programmer error: no keys, too many, or the binding key among the App Attest keys', async () => {
    const assertion = await assertionBy(appAttestKey);
    expect(() => check(assertion, [])).toThrow('invariant violated');
    expect(() =>
      check(
        assertion,
        Array.from({ length: appAttestKeysPerDeviceMax + 1 }, () => deviceKey(appAttestKey)),
      ),
    ).toThrow('invariant violated');
    expect(() => check(assertion, [deviceKey(bindingKey)])).toThrow('invariant violated');
  });
});
