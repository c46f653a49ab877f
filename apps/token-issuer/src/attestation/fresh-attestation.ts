import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import {
  type AndroidAttestationPolicy,
  type AppAttestAssertionReasonCode,
  type AttestationLevel,
  appAttestAssertionSizeMaxBytes,
  checkAttestationPolicy,
  emptyAndroidRevocationStatusList,
  trustAnchorFromCertificate,
  verifyAppAttestAssertion,
  verifyAttestation,
} from '@settle/attestation';
import { type SqlExecutor } from '@settle/messaging';
import { ConfigurationError, SERVICE_CONFIG } from '@settle/platform';
import { type TokenIssuerSettings } from '../config';
import { AndroidRevocationStatus } from './android-revocation-status';
import { loadAppAttestCounterForUpdate, raiseAppAttestCounter } from './app-attest-counters';

/** Largest fresh evidence accepted, base64url characters (an Android chain of 4 certificates is ~4 KiB). */
export const freshEvidenceLengthMaxChars = 32_768;
/** Longest App Attest assertion accepted, base64url characters: the library's byte limit, encoded. */
export const appAttestAssertionLengthMaxChars = Math.ceil((appAttestAssertionSizeMaxBytes * 4) / 3);

/** The fresh evidence a device may send at session start. */
export type FreshEvidence =
  | {
      readonly format: 'android-key';
      /** base64url of the evidence bytes: a deterministic-CBOR array of DER certificates, leaf first. */
      readonly evidence: string;
    }
  | {
      readonly format: 'apple-appattest-assertion';
      /** base64url of `DCAppAttestService.generateAssertion`'s bytes, over {@link appAttestSessionClientDataHash}. */
      readonly assertion: string;
    };

export type FreshAttestationResult = { readonly ok: true; readonly level: AttestationLevel } | { readonly ok: false; readonly reason: string };

/**
 * The fixed label of the client data of an App Attest assertion at session start. The device calls
 * `generateAssertion(keyId, clientDataHash: SHA-256(label ‖ EKM))` with this connection's EKM
 * (docs/token-issuer.md, "Fresh attestation").
 */
export const appAttestSessionLabel = 'settle-token-issuer/app-attest-session-start/v1';

/** clientDataHash = SHA-256(UTF-8 {@link appAttestSessionLabel} ‖ the 32-byte EKM of this connection). */
export function appAttestSessionClientDataHash(ekm: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(appAttestSessionLabel, 'utf8').update(ekm).digest());
}

/** What an App Attest assertion at session start is checked against. */
export interface AppAttestAssertionCheck {
  readonly assertion: string;
  readonly keyId: string;
  /** The binding key's registered JWK, from the issuer's projection. */
  readonly publicJwk: { readonly kty: 'EC'; readonly crv: 'P-256'; readonly x: string; readonly y: string };
  readonly ekm: Uint8Array;
  readonly now: Date;
}

export type AppAttestAssertionOutcome = { readonly ok: true; readonly level: 'secure-enclave' } | { readonly ok: false; readonly reason: AppAttestAssertionReasonCode };

/**
 * The Android policy of the issuer's fresh attestations, from the JSON file
 * SETTLE_TOKEN_ISSUER_ANDROID_ATTESTATION_POLICY_FILE:
 * `{ "trustAnchors": [{ "name", "certificate": PEM }], "applications": [{ "packageName", "signingCertificateSha256": [hex] }],
 *    "acceptedLevels"?: ["strongbox","tee"], "verifiedBootStates"?: ["verified"], "deviceLockedRequired"?: true }`.
 */
function readAndroidPolicy(file: string): AndroidAttestationPolicy {
  let document: Record<string, unknown>;
  try {
    document = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigurationError([`SETTLE_TOKEN_ISSUER_ANDROID_ATTESTATION_POLICY_FILE: cannot read a JSON policy (${(error as Error).message})`]);
  }
  const anchors = Array.isArray(document['trustAnchors']) ? (document['trustAnchors'] as Array<{ name: string; certificate: string }>) : [];
  try {
    return checkAttestationPolicy({
      deviceClass: 'android',
      formats: ['android-key'],
      acceptedLevels: (document['acceptedLevels'] as AndroidAttestationPolicy['acceptedLevels'] | undefined) ?? ['strongbox', 'tee'],
      keyAlgorithms: ['ES256'],
      trustAnchors: anchors.map((anchor) => trustAnchorFromCertificate(anchor.name, anchor.certificate)),
      applications: (document['applications'] as AndroidAttestationPolicy['applications'] | undefined) ?? [],
      verifiedBootStates: (document['verifiedBootStates'] as AndroidAttestationPolicy['verifiedBootStates'] | undefined) ?? ['verified'],
      deviceLockedRequired: (document['deviceLockedRequired'] as boolean | undefined) ?? true,
      paymentKeyAuthenticationValidityMaxSeconds: 0,
      revocationStatusList: emptyAndroidRevocationStatusList,
    }) as AndroidAttestationPolicy;
  } catch (error) {
    throw new ConfigurationError([`SETTLE_TOKEN_ISSUER_ANDROID_ATTESTATION_POLICY_FILE: ${(error as Error).message}`]);
  }
}

/**
 * Fresh attestation evidence at session start (DESIGN §7), both bound to **this connection's EKM**, so
 * the evidence is as fresh as the connection and cannot be replayed on another:
 * - a new Android key-attestation chain for the binding key whose attestation challenge is the EKM;
 * - an App Attest assertion by the binding key (an App Attest key) over SHA-256(label ‖ EKM), whose
 *   counter must exceed the last one accepted for the key (stored in the session-start transaction).
 */
@Injectable()
export class FreshAttestation {
  private readonly androidPolicy: AndroidAttestationPolicy | undefined;
  private readonly appleAppId: string | undefined;

  constructor(
    @Inject(SERVICE_CONFIG) config: TokenIssuerSettings,
    private readonly revocationStatus: AndroidRevocationStatus,
  ) {
    const file = config.SETTLE_TOKEN_ISSUER_ANDROID_ATTESTATION_POLICY_FILE;
    this.androidPolicy = file === '' ? undefined : readAndroidPolicy(file);
    this.appleAppId = config.SETTLE_TOKEN_ISSUER_APPLE_APP_ID === '' ? undefined : config.SETTLE_TOKEN_ISSUER_APPLE_APP_ID;
  }

  /** Whether this deployment is configured for the format (an Android policy; an Apple app id). */
  availableFor(format: FreshEvidence['format']): boolean {
    return format === 'android-key' ? this.androidPolicy !== undefined : this.appleAppId !== undefined;
  }

  /**
   * Verifies an App Attest assertion over this connection's EKM with the key's registered JWK, and
   * raises the key's stored counter — inside the caller's (session-start) transaction, so the counter
   * is stored only if the session is, and two concurrent starts cannot accept the same counter: the
   * key's row is locked (FOR UPDATE) before its counter is read, and the update is conditional.
   */
  async verifyAppAttestAssertion(sql: SqlExecutor, check: AppAttestAssertionCheck): Promise<AppAttestAssertionOutcome> {
    if (this.appleAppId === undefined) throw new Error('no Apple app id is configured: check availableFor() first');
    const previousCounter = await loadAppAttestCounterForUpdate(sql, check.keyId);
    const result = verifyAppAttestAssertion({
      assertion: new Uint8Array(Buffer.from(check.assertion, 'base64url')),
      clientDataHash: appAttestSessionClientDataHash(check.ekm),
      publicKeyJwk: check.publicJwk,
      appId: this.appleAppId,
      previousCounter,
    });
    if (!result.ok) return { ok: false, reason: result.reasonCode };
    if (!(await raiseAppAttestCounter(sql, check.keyId, result.verdict.counter, check.now))) return { ok: false, reason: 'COUNTER_NOT_INCREASING' };
    return { ok: true, level: 'secure-enclave' };
  }

  async verify(evidence: Extract<FreshEvidence, { format: 'android-key' }>, input: { readonly ekm: Uint8Array; readonly publicJwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string }; readonly now: Date }): Promise<FreshAttestationResult> {
    if (this.androidPolicy === undefined) return { ok: false, reason: 'this deployment has no attestation policy for fresh evidence' };
    const result = await verifyAttestation({
      format: evidence.format,
      evidence: new Uint8Array(Buffer.from(evidence.evidence, 'base64url')),
      expectedChallenge: input.ekm,
      keyToRegister: input.publicJwk,
      purpose: 'binding',
      // The list fetched on a schedule, as the verifier's (refused once stale); the empty one when fetching is off.
      policy: { ...this.androidPolicy, revocationStatusList: this.revocationStatus.current() ?? this.androidPolicy.revocationStatusList },
      now: input.now,
    });
    return result.ok ? { ok: true, level: result.verdict.level } : { ok: false, reason: result.reasonCode };
  }
}
