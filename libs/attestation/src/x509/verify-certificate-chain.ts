import { assert } from '../errors';
import { type AttestationRejection, type Checked, passed, reject } from '../checks/rejection';
import { type TrustAnchor, spkiSha256Hex } from '../policy/trust-anchor';
import { checkCertificateValidity } from './check-certificate-validity';
import { checkIssuerConstraints } from './check-issuer-constraints';
import { PublicKey, type X509Certificate } from './x509';

/**
 * Signature algorithms accepted on certificates: RSA PKCS#1 v1.5, RSA-PSS and ECDSA, with SHA-2
 * only. SHA-1 and MD5 signatures are refused even where WebCrypto would verify them.
 */
const certificateSignatureAlgorithms: readonly string[] = ['RSASSA-PKCS1-v1_5', 'RSA-PSS', 'ECDSA'];
const certificateSignatureHashes: readonly string[] = ['SHA-256', 'SHA-384', 'SHA-512'];

/**
 * A chain that ends at a pinned key. `certificates` are the ones below the anchor, leaf first
 * (a root certificate that carries the pinned key is not among them: its dates and its
 * self-signature play no part, only its key).
 */
export interface VerifiedChain {
  readonly anchor: TrustAnchor;
  readonly certificates: readonly X509Certificate[];
}

interface AnchoredChain {
  readonly anchor: TrustAnchor;
  readonly certificates: readonly X509Certificate[];
  readonly anchorKey: PublicKey;
  /** Whether finding the anchor already verified the top certificate's signature (root left out). */
  readonly topVerified: boolean;
}

function spkiSha256OfCertificate(certificate: X509Certificate): string {
  return spkiSha256Hex(new Uint8Array(certificate.publicKey.rawData));
}

async function isSignedBy(certificate: X509Certificate, issuerKey: PublicKey): Promise<boolean> {
  const { name, hash } = certificate.signatureAlgorithm as {
    name: string;
    hash?: { name?: string };
  };
  if (
    !certificateSignatureAlgorithms.includes(name) ||
    !certificateSignatureHashes.includes(hash?.name ?? '')
  )
    return false;
  try {
    // signatureOnly: the validity period is checked separately against the injected `now` (the
    // library's own date check would read the system clock).
    return await certificate.verify({ publicKey: issuerKey, signatureOnly: true });
  } catch {
    return false;
  }
}

/**
 * Finds where the chain meets a pinned key: either a certificate in the chain carries it (Android
 * sends its root), or the top certificate is signed by it (App Attest leaves the root out).
 */
async function anchorChain(
  chain: readonly X509Certificate[],
  anchors: readonly TrustAnchor[],
): Promise<Checked<AnchoredChain>> {
  const pinnedIndex = chain.findIndex((certificate) =>
    anchors.some((anchor) => anchor.spkiSha256 === spkiSha256OfCertificate(certificate)),
  );
  if (pinnedIndex === 0)
    return reject('CERTIFICATE_CHAIN_INVALID', 'the leaf certificate carries a pinned root key');
  if (pinnedIndex > 0) {
    if (pinnedIndex !== chain.length - 1)
      return reject('CERTIFICATE_CHAIN_INVALID', 'certificates follow the pinned root');
    const pinned = chain[pinnedIndex]!;
    const anchor = anchors.find(
      (candidate) => candidate.spkiSha256 === spkiSha256OfCertificate(pinned),
    )!;
    return passed({
      anchor,
      certificates: chain.slice(0, pinnedIndex),
      anchorKey: pinned.publicKey,
      topVerified: false,
    });
  }
  const top = chain[chain.length - 1]!;
  for (const anchor of anchors) {
    const anchorKey = new PublicKey(anchor.subjectPublicKeyInfo);
    if (await isSignedBy(top, anchorKey))
      return passed({ anchor, certificates: chain, anchorKey, topVerified: true });
  }
  return reject('ROOT_NOT_TRUSTED', `the chain ends at "${top.issuer}", whose key is not pinned`);
}

/** Checks the validity periods of the certificates below the anchor (leaf first) at `now`. */
export type ValidityCheck = (
  certificates: readonly X509Certificate[],
  now: Date,
) => AttestationRejection | undefined;

/**
 * Verifies a certificate chain (leaf first) against pinned root public keys at time `now`, in this
 * order: it must end at a pinned key (`ROOT_NOT_TRUSTED`); every certificate must be signed by the
 * next with a SHA-2 algorithm, issuers must be CAs within their path length, the leaf must not be
 * one, and no certificate may carry a critical extension this library does not process
 * (`CERTIFICATE_CHAIN_INVALID`); every certificate below the anchor must be valid at `now`
 * (`CERTIFICATE_NOT_VALID_AT_TIME`; a format may pass its own rule as `checkValidity`, as Android
 * does). Names are not compared: the signatures link the chain.
 */
export async function verifyCertificateChain(
  chain: readonly X509Certificate[],
  anchors: readonly TrustAnchor[],
  now: Date,
  checkValidity: ValidityCheck = checkCertificateValidity,
): Promise<Checked<VerifiedChain>> {
  assert(chain.length > 0 && anchors.length > 0, 'a chain and anchors to verify it against');
  const anchored = await anchorChain(chain, anchors);
  if (!anchored.ok) return anchored;
  const { anchor, certificates, anchorKey, topVerified } = anchored.value;
  for (const [index, certificate] of certificates.entries()) {
    if (topVerified && index === certificates.length - 1) break;
    const issuerKey =
      index + 1 < certificates.length ? certificates[index + 1]!.publicKey : anchorKey;
    if (!(await isSignedBy(certificate, issuerKey))) {
      return reject(
        'CERTIFICATE_CHAIN_INVALID',
        `certificate ${index} ("${certificate.subject}") is not signed by its issuer's key`,
      );
    }
  }
  const constraints = checkIssuerConstraints(certificates);
  if (constraints !== undefined) return constraints;
  const validity = checkValidity(certificates, now);
  if (validity !== undefined) return validity;
  return passed({ anchor, certificates });
}
