import { type IAsnParseOptions } from '@peculiar/asn1-schema';
import { asn1NestingDepthMax, asn1NodesMax, attestationEvidenceSizeMaxBytes } from '../limits';
import { X509Certificate } from './x509';

/** Resource limits for every DER structure this library decodes (asn1js `fromBER` options). */
export const asn1ParseOptions: IAsnParseOptions = {
  berOptions: {
    maxDepth: asn1NestingDepthMax,
    maxNodes: asn1NodesMax,
    maxContentLength: attestationEvidenceSizeMaxBytes,
  },
};

/** The DER tag of a SEQUENCE, the first byte of every certificate. */
const derSequenceTag = 0x30;

/**
 * Decodes one X.509 certificate with @peculiar/x509 under {@link asn1ParseOptions}, or returns
 * `undefined`. Bytes must be DER (the library would otherwise try to read them as PEM, hex or
 * base64 text); a string is read as PEM (configuration only, never evidence).
 */
export function parseCertificate(input: string | Uint8Array): X509Certificate | undefined {
  if (typeof input !== 'string' && input[0] !== derSequenceTag) return undefined;
  try {
    const certificate = new X509Certificate(input, asn1ParseOptions);
    // Touch what every caller reads, so that a lazily decoded part that is malformed fails here.
    void certificate.publicKey.rawData;
    void certificate.serialNumber;
    void certificate.notBefore;
    void certificate.notAfter;
    void certificate.signatureAlgorithm;
    return certificate;
  } catch {
    return undefined;
  }
}
