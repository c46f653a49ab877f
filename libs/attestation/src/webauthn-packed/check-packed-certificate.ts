import { AsnParser, OctetString } from '@peculiar/asn1-schema';
import { bytesToHex, equalBytes } from '@settle/crypto';
import { type AttestationRejection, reject } from '../checks/rejection';
import { asn1ParseOptions } from '../x509/parse-certificate';
import { type X509Certificate } from '../x509/x509';

/** FIDO's extension naming the authenticator model: id-fido-gen-ce-aaguid. */
const fidoAaguidExtensionOid = '1.3.6.1.4.1.45724.1.1.4';

/**
 * The attestation certificate requirements of WebAuthn §8.2.1 that the chain checks do not already
 * cover (the leaf is not a CA there): subject OU "Authenticator Attestation", which keeps vendor
 * certificates for other uses from standing in; and, when the certificate names the authenticator
 * model (the AAGUID extension), the same model as the authenticator data (`AAGUID_MISMATCH`).
 */
export function checkPackedCertificate(
  leaf: X509Certificate,
  aaguid: Uint8Array,
): AttestationRejection | undefined {
  if (!leaf.subjectName.getField('OU').includes('Authenticator Attestation')) {
    return reject(
      'CERTIFICATE_CHAIN_INVALID',
      'the attestation certificate subject OU is not "Authenticator Attestation"',
    );
  }
  const extensions = leaf.getExtensions(fidoAaguidExtensionOid);
  if (extensions.length === 0) return undefined;
  if (extensions.length > 1 || extensions[0]!.critical)
    return reject('CERTIFICATE_CHAIN_INVALID', 'the AAGUID extension is repeated or critical');
  let certified: Uint8Array;
  try {
    certified = new Uint8Array(
      AsnParser.parse(extensions[0]!.value, OctetString, asn1ParseOptions).buffer,
    );
  } catch {
    return reject('EVIDENCE_MALFORMED', 'the AAGUID extension does not decode');
  }
  if (equalBytes(certified, aaguid)) return undefined;
  return reject(
    'AAGUID_MISMATCH',
    `the certificate is for authenticator model ${bytesToHex(certified)}, the authenticator data says ${bytesToHex(aaguid)}`,
  );
}
