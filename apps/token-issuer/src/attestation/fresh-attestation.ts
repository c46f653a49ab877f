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
  verifyAttestation,
} from '@settle/attestation';
import { type SqlExecutor } from '@settle/messaging';
import { ConfigurationError, SERVICE_CONFIG } from '@settle/platform';
import { type TokenIssuerSettings } from '../config';
import { AndroidRevocationStatus } from './android-revocation-status';
import { loadAppAttestCountersForUpdate, raiseAppAttestCounter } from './app-attest-counters';
import { checkSessionStartAssertion } from './app-attest-session-start';
import { loadAppAttestKeysOfOwner, loadAttestationFormat } from './device-app-attest-keys';

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
      /** base64url of `DCAppAttestService.generateAssertion`'s bytes by the device's App Attest key, over `appAttestSessionStartClientDataHash` (@settle/attestation). */
      readonly assertion: string;
    };

export type FreshAttestationResult =
  | { readonly ok: true; readonly level: AttestationLevel }
  | { readonly ok: false; readonly reason: string };

/** What an App Attest assertion at session start is checked against. */
export interface AppAttestAssertionCheck {
  /** base64url, as the request carried it. */
  readonly assertion: string;
  /** The active binding key the session starts with (its proof on this connection already verified), and its owner. */
  readonly bindingKey: {
    readonly keyId: string;
    readonly ownerKind: 'device' | 'terminal';
    readonly ownerId: string;
  };
  readonly ekm: Uint8Array;
  readonly now: Date;
}

/**
 * Accepted (the level of the session's tokens); `unavailable` when no App Attest assertion can mean
 * anything for this key (it was not vouched for by App Attest, or its device has no App Attest key);
 * `invalid` with the library's reason when the assertion does not verify.
 */
export type AppAttestAssertionOutcome =
  | { readonly ok: true; readonly level: 'secure-enclave' }
  | { readonly ok: false; readonly refusal: 'unavailable'; readonly message: string }
  | {
      readonly ok: false;
      readonly refusal: 'invalid';
      readonly reason: AppAttestAssertionReasonCode;
    };

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
    throw new ConfigurationError([
      `SETTLE_TOKEN_ISSUER_ANDROID_ATTESTATION_POLICY_FILE: cannot read a JSON policy (${(error as Error).message})`,
    ]);
  }
  const anchors = Array.isArray(document['trustAnchors'])
    ? (document['trustAnchors'] as Array<{ name: string; certificate: string }>)
    : [];
  try {
    return checkAttestationPolicy({
      deviceClass: 'android',
      formats: ['android-key'],
      acceptedLevels: (document['acceptedLevels'] as
        AndroidAttestationPolicy['acceptedLevels'] | undefined) ?? ['strongbox', 'tee'],
      keyAlgorithms: ['ES256'],
      trustAnchors: anchors.map((anchor) =>
        trustAnchorFromCertificate(anchor.name, anchor.certificate),
      ),
      applications:
        (document['applications'] as AndroidAttestationPolicy['applications'] | undefined) ?? [],
      verifiedBootStates: (document['verifiedBootStates'] as
        AndroidAttestationPolicy['verifiedBootStates'] | undefined) ?? ['verified'],
      deviceLockedRequired: (document['deviceLockedRequired'] as boolean | undefined) ?? true,
      paymentKeyAuthenticationValidityMaxSeconds: 0,
      revocationStatusList: emptyAndroidRevocationStatusList,
    }) as AndroidAttestationPolicy;
  } catch (error) {
    throw new ConfigurationError([
      `SETTLE_TOKEN_ISSUER_ANDROID_ATTESTATION_POLICY_FILE: ${(error as Error).message}`,
    ]);
  }
}

/**
 * Fresh attestation evidence at session start (DESIGN §7), both bound to **this connection's EKM**, so
 * the evidence is as fresh as the connection and cannot be replayed on another:
 * - a new Android key-attestation chain for the binding key whose attestation challenge is the EKM;
 * - an App Attest assertion by the device's App Attest key (its payment key; the binding key is a Secure
 *   Enclave key that App Attest vouched for and cannot make assertions) over the client data naming the
 *   binding key and the EKM, whose counter must exceed the last one accepted for the App Attest key
 *   (stored in the session-start transaction).
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
    this.appleAppId =
      config.SETTLE_TOKEN_ISSUER_APPLE_APP_ID === ''
        ? undefined
        : config.SETTLE_TOKEN_ISSUER_APPLE_APP_ID;
  }

  /** Whether this deployment is configured for the format (an Android policy; an Apple app id). */
  availableFor(format: FreshEvidence['format']): boolean {
    return format === 'android-key'
      ? this.androidPolicy !== undefined
      : this.appleAppId !== undefined;
  }

  /**
   * Verifies a session-start App Attest assertion and raises the App Attest key's stored counter, inside
   * the caller's (session-start) transaction, so the counter is stored only if the session is:
   * 1. the binding key's verdict must be of format `apple-app-attest` (a Secure Enclave key App Attest
   *    vouched for at enrolment), and its device must have an active App Attest payment key — otherwise
   *    `unavailable`: any other key could sign the same bytes;
   * 2. the App Attest keys' counter rows are locked (FOR UPDATE) before they are read;
   * 3. `checkSessionStartAssertion`: signature by one of them over the client data naming this binding
   *    key and this EKM, rpIdHash, counter above the stored one;
   * 4. the conditional counter update: of two concurrent starts with one counter, one stores it.
   */
  async verifyAppAttestAssertion(
    sql: SqlExecutor,
    check: AppAttestAssertionCheck,
  ): Promise<AppAttestAssertionOutcome> {
    if (this.appleAppId === undefined)
      throw new Error('no Apple app id is configured: check availableFor() first');
    const { bindingKey } = check;
    if ((await loadAttestationFormat(sql, bindingKey.keyId)) !== 'apple-app-attest') {
      return {
        ok: false,
        refusal: 'unavailable',
        message: 'the binding key was not vouched for by App Attest at registration',
      };
    }
    const keys = await loadAppAttestKeysOfOwner(sql, {
      kind: bindingKey.ownerKind,
      id: bindingKey.ownerId,
    });
    if (keys.length === 0)
      return {
        ok: false,
        refusal: 'unavailable',
        message: `the ${bindingKey.ownerKind} has no active App Attest key (its payment key, attested by App Attest)`,
      };
    const counters = await loadAppAttestCountersForUpdate(
      sql,
      keys.map((key) => key.keyId),
    );
    const result = checkSessionStartAssertion({
      assertion: new Uint8Array(Buffer.from(check.assertion, 'base64url')),
      bindingKeyId: bindingKey.keyId,
      ekm: check.ekm,
      appId: this.appleAppId,
      appAttestKeys: keys.map((key) => ({ ...key, previousCounter: counters.get(key.keyId) ?? 0 })),
    });
    if (!result.ok) return { ok: false, refusal: 'invalid', reason: result.reason };
    if (!(await raiseAppAttestCounter(sql, result.keyId, result.counter, check.now)))
      return { ok: false, refusal: 'invalid', reason: 'COUNTER_NOT_INCREASING' };
    return { ok: true, level: 'secure-enclave' };
  }

  async verify(
    evidence: Extract<FreshEvidence, { format: 'android-key' }>,
    input: {
      readonly ekm: Uint8Array;
      readonly publicJwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
      readonly now: Date;
    },
  ): Promise<FreshAttestationResult> {
    if (this.androidPolicy === undefined)
      return { ok: false, reason: 'this deployment has no attestation policy for fresh evidence' };
    const result = await verifyAttestation({
      format: evidence.format,
      evidence: new Uint8Array(Buffer.from(evidence.evidence, 'base64url')),
      expectedChallenge: input.ekm,
      keyToRegister: input.publicJwk,
      purpose: 'binding',
      // The list fetched on a schedule, as the verifier's (refused once stale); the empty one when fetching is off.
      policy: {
        ...this.androidPolicy,
        revocationStatusList:
          this.revocationStatus.current() ?? this.androidPolicy.revocationStatusList,
      },
      now: input.now,
    });
    return result.ok
      ? { ok: true, level: result.verdict.level }
      : { ok: false, reason: result.reasonCode };
  }
}
