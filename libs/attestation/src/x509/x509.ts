// The one door to @peculiar/x509. It resolves its ASN.1 helpers through tsyringe, which needs the
// Reflect metadata API, so `reflect-metadata` must be loaded before it; every other file of this
// library takes X.509 from here (a test checks it).
import 'reflect-metadata';

export {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PublicKey,
  X509Certificate,
} from '@peculiar/x509';
