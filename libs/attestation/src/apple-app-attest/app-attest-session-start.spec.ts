import { sha256 } from '@noble/hashes/sha2.js';
import { base64UrlDecode } from '@settle/crypto';
import { appAttestKeyVouchLabel } from './app-attest-key-vouch';
import {
  appAttestSessionStartClientData,
  appAttestSessionStartClientDataHash,
  appAttestSessionStartLabel,
} from './app-attest-session-start';

describe('appAttestSessionStartClientData', () => {
  const bindingKeyId = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
  const ekm = Uint8Array.from({ length: 32 }, (_, index) => index);

  it('is label ‖ 0x00 ‖ thumbprint ‖ EKM, and its hash is SHA-256 of it', () => {
    const clientData = appAttestSessionStartClientData({ bindingKeyId, ekm });
    const label = new TextEncoder().encode('settle-token-issuer/app-attest-session-start/v2');
    expect(Buffer.from(clientData).toString('hex')).toBe(
      Buffer.concat([label, Buffer.from([0]), base64UrlDecode(bindingKeyId)!, ekm]).toString('hex'),
    );
    expect(clientData).toHaveLength(label.length + 1 + 32 + 32);
    expect(appAttestSessionStartClientDataHash({ bindingKeyId, ekm })).toEqual(sha256(clientData));
  });

  it('cannot be taken for a key vouch or for version 1 (label ‖ EKM)', () => {
    const text = new TextDecoder().decode(
      appAttestSessionStartClientData({ bindingKeyId, ekm }).subarray(
        0,
        appAttestSessionStartLabel.length,
      ),
    );
    expect(text.startsWith(appAttestKeyVouchLabel)).toBe(false);
    const versionOne = sha256(
      new Uint8Array([
        ...new TextEncoder().encode('settle-token-issuer/app-attest-session-start/v1'),
        ...ekm,
      ]),
    );
    expect(appAttestSessionStartClientDataHash({ bindingKeyId, ekm })).not.toEqual(versionOne);
  });

  it('refuses arguments that are not a thumbprint and a 32-byte EKM (ERR_INVALID_ARGUMENT)', () => {
    expect(() => appAttestSessionStartClientData({ bindingKeyId: 'short', ekm })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => appAttestSessionStartClientData({ bindingKeyId, ekm: ekm.subarray(1) })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => appAttestSessionStartClientData(undefined as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});
