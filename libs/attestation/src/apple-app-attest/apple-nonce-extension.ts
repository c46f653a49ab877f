import { AsnParser, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { type Checked, passed, reject } from '../checks/rejection';
import { asn1ParseOptions } from '../x509/parse-certificate';
import { type X509Certificate } from '../x509/x509';

/** Apple's App Attest nonce extension in the credential certificate. */
export const appleNonceExtensionOid = '1.2.840.113635.100.8.2';

/**
 * The extension's value, declared with asn1-schema (no hand-written DER):
 * `SEQUENCE { nonce [1] EXPLICIT OCTET STRING }`.
 */
@AsnType({ type: AsnTypeTypes.Sequence })
export class AppleNonceExtension {
  @AsnProp({ type: AsnPropTypes.OctetString, context: 1 })
  nonce: ArrayBuffer = new ArrayBuffer(0);
}

/** Reads the nonce from the leaf's extension 1.2.840.113635.100.8.2, or `EVIDENCE_MALFORMED`. */
export function readAppleNonce(leaf: X509Certificate): Checked<Uint8Array> {
  const extensions = leaf.getExtensions(appleNonceExtensionOid);
  if (extensions.length !== 1)
    return reject(
      'EVIDENCE_MALFORMED',
      `the credential certificate has ${extensions.length} nonce extensions, not one`,
    );
  try {
    const parsed = AsnParser.parse(extensions[0]!.value, AppleNonceExtension, asn1ParseOptions);
    return passed(new Uint8Array(parsed.nonce));
  } catch (error) {
    return reject(
      'EVIDENCE_MALFORMED',
      `the nonce extension does not decode: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
