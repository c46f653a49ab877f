import { readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import {
  type AndroidAttestationPolicy,
  type AttestationLevel,
  checkAttestationPolicy,
  emptyAndroidRevocationStatusList,
  trustAnchorFromCertificate,
  verifyAttestation,
} from '@settle/attestation';
import { ConfigurationError, SERVICE_CONFIG } from '@settle/platform';
import { type TokenIssuerSettings } from '../config';

/** Largest fresh evidence accepted, base64url characters (an Android chain of 4 certificates is ~4 KiB). */
export const freshEvidenceLengthMaxChars = 32_768;

/** The fresh evidence a device may send at session start. */
export interface FreshEvidence {
  readonly format: 'android-key';
  /** base64url of the evidence bytes (`android-key`: deterministic-CBOR array of DER certificates, leaf first). */
  readonly evidence: string;
}

export type FreshAttestationResult = { readonly ok: true; readonly level: AttestationLevel } | { readonly ok: false; readonly reason: string };

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
 * Fresh attestation evidence at session start (DESIGN §7): a new Android key-attestation chain for the
 * binding key whose attestation challenge is **this connection's EKM**, so the evidence is as fresh as
 * the connection and cannot be replayed on another. App Attest assertions are not accepted yet
 * (libs/attestation has no assertion verifier; docs/token-issuer.md, gaps).
 */
@Injectable()
export class FreshAttestation {
  private readonly androidPolicy: AndroidAttestationPolicy | undefined;

  constructor(@Inject(SERVICE_CONFIG) config: TokenIssuerSettings) {
    const file = config.SETTLE_TOKEN_ISSUER_ANDROID_ATTESTATION_POLICY_FILE;
    this.androidPolicy = file === '' ? undefined : readAndroidPolicy(file);
  }

  get available(): boolean {
    return this.androidPolicy !== undefined;
  }

  async verify(evidence: FreshEvidence, input: { readonly ekm: Uint8Array; readonly publicJwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string }; readonly now: Date }): Promise<FreshAttestationResult> {
    if (this.androidPolicy === undefined) return { ok: false, reason: 'this deployment has no attestation policy for fresh evidence' };
    const result = await verifyAttestation({
      format: evidence.format,
      evidence: new Uint8Array(Buffer.from(evidence.evidence, 'base64url')),
      expectedChallenge: input.ekm,
      keyToRegister: input.publicJwk,
      purpose: 'binding',
      policy: this.androidPolicy,
      now: input.now,
    });
    return result.ok ? { ok: true, level: result.verdict.level } : { ok: false, reason: result.reasonCode };
  }
}
