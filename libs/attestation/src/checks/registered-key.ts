import { type PublicJwk, type SignatureAlgorithm, calculateJwkThumbprint } from '@settle/crypto';

/**
 * The key being registered, checked once by `verifyAttestation`: its JWK (only the members that
 * define it), its algorithm and its RFC 7638 thumbprint, the protocol's key id.
 */
export interface RegisteredKey {
  readonly publicKeyJwk: PublicJwk;
  readonly algorithm: SignatureAlgorithm;
  readonly keyId: string;
}

/** The signature algorithm a public key is used with in this protocol. */
export function algorithmOfJwk(jwk: PublicJwk): SignatureAlgorithm {
  return jwk.kty === 'EC' ? 'ES256' : 'EdDSA';
}

/** Builds a {@link RegisteredKey} from a checked public JWK. */
export function registeredKeyOf(publicKeyJwk: PublicJwk): RegisteredKey {
  return Object.freeze({
    publicKeyJwk,
    algorithm: algorithmOfJwk(publicKeyJwk),
    keyId: calculateJwkThumbprint(publicKeyJwk),
  });
}
