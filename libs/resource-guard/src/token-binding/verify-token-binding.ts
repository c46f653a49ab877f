import { type AccessTokenClaims } from '@settle/contracts';
import {
  type VerifiedTokenBinding,
  decodeSecTokenBindingHeader,
  isTokenBindingError,
  parseTokenBindingMessage,
  tokenBindingHeaderLengthMaxChars,
  tokenBindingIdHash,
  verifyTokenBindingMessage,
} from '@settle/token-binding';
import { type Rejection, reject } from '../rejections';

/** Distinct headers and keys remembered per connection (a client normally uses one key). */
export const verifiedBindingsPerConnectionMax = 4;

/** The connection a request arrived on: its identity (the socket) and its EKM, computed on demand. */
export interface BoundConnection {
  /** Any object that lives exactly as long as the TLS connection: the `TLSSocket`. */
  readonly socket: object;
  /** The connection's RFC 8471 EKM (`exportTokenBindingKeyingMaterial(socket)`), 32 bytes. */
  readonly keyingMaterial: () => Uint8Array;
}

/** A connection's verified bindings: by exact header, and by the key (TokenBindingID hash). */
interface ConnectionBindings {
  readonly byHeader: Map<string, VerifiedTokenBinding>;
  readonly byKey: Map<string, VerifiedTokenBinding>;
}

/**
 * Verified bindings per TLS connection. Once a key has signed *this connection's* EKM, the connection
 * is proven to be that key holder's, so a later message on the same connection naming the same
 * TokenBindingID needs no second signature check (it must still be a well-formed message): a
 * kept-alive connection pays for the signature check once per key. Keyed weakly by the socket: a
 * closed connection's entries go with it.
 *
 * @example
 * const cache = new TokenBindingCache();
 * const result = verifyTokenBindingForToken({ header, claims, connection, cache });
 */
export class TokenBindingCache {
  private readonly byConnection = new WeakMap<object, ConnectionBindings>();
  private verificationCount = 0;

  /** Signature verifications done (tests and the benchmark count them). */
  get verifications(): number {
    return this.verificationCount;
  }

  verify(header: string, connection: BoundConnection): VerifiedTokenBinding | Rejection {
    const known = this.byConnection.get(connection.socket);
    const sameHeader = known?.byHeader.get(header);
    if (sameHeader !== undefined) return sameHeader;
    if (known !== undefined) {
      const keyHash = providedKeyHash(header);
      const sameKey = keyHash === null ? undefined : known.byKey.get(keyHash);
      if (sameKey !== undefined) {
        remember(known.byHeader, header, sameKey);
        return sameKey;
      }
    }
    this.verificationCount += 1;
    const result = verifyTokenBindingMessage({
      header,
      ekm: connection.keyingMaterial(),
      allowedKeyParameters: ['ecdsap256'],
    });
    if (!result.ok)
      return reject(
        'TOKEN_BINDING_INVALID',
        'The Sec-Token-Binding message does not verify on this connection.',
        result.code,
      );
    const bindings = known ?? { byHeader: new Map(), byKey: new Map() };
    if (known === undefined) this.byConnection.set(connection.socket, bindings);
    remember(bindings.byHeader, header, result.provided);
    remember(bindings.byKey, result.provided.tokenBindingIdHash, result.provided);
    return result.provided;
  }
}

/** Bounded: a connection remembers its last few headers and keys only. */
function remember(
  map: Map<string, VerifiedTokenBinding>,
  key: string,
  value: VerifiedTokenBinding,
): void {
  if (map.size >= verifiedBindingsPerConnectionMax) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/** The `tbh` of the provided binding of a well-formed message (no signature check), else null. */
function providedKeyHash(header: string): string | null {
  try {
    const message = parseTokenBindingMessage(decodeSecTokenBindingHeader(header), {
      allowedKeyParameters: ['ecdsap256'],
    });
    const provided = message.tokenBindings.filter(
      (binding) => binding.type === 'provided_token_binding',
    );
    if (
      provided.length !== 1 ||
      message.tokenBindings.length !== 1 ||
      provided[0]!.extensions.length > 0
    )
      return null;
    return tokenBindingIdHash(provided[0]!.tokenBindingId);
  } catch (error) {
    if (isTokenBindingError(error)) return null;
    throw error;
  }
}

/** The arguments of {@link verifyTokenBindingForToken}. */
export interface VerifyTokenBindingForTokenInput {
  /** The `Sec-Token-Binding` header (undefined when absent). */
  readonly header: string | undefined;
  readonly claims: AccessTokenClaims;
  readonly connection: BoundConnection;
  readonly cache: TokenBindingCache;
}

/**
 * Token-binding mode's proof of possession (DESIGN §7): a fresh RFC 8471 message over this
 * connection's EKM, made with the key the token's `cnf` names (both its TokenBindingID hash and its
 * thumbprint). A missing header is a rejection, never "the client does not support binding".
 *
 * @example
 * const result = verifyTokenBindingForToken({ header: request.headers['sec-token-binding'], claims, connection, cache });
 * if (!result.ok) return result;
 */
export function verifyTokenBindingForToken(
  input: VerifyTokenBindingForTokenInput,
): { readonly ok: true; readonly binding: VerifiedTokenBinding } | Rejection {
  const { header, claims } = input;
  if (header === undefined || header.length === 0)
    return reject('TOKEN_BINDING_MISSING', 'The request has no Sec-Token-Binding header.');
  if (header.length > tokenBindingHeaderLengthMaxChars)
    return reject('TOKEN_BINDING_INVALID', 'The Sec-Token-Binding header is too long.', 'length');
  if (claims.cnf.tbh === undefined)
    return reject(
      'TOKEN_BINDING_KEY_MISMATCH',
      'The access token is not bound to a token-binding key.',
      'no cnf.tbh',
    );
  const binding = input.cache.verify(header, input.connection);
  if ('ok' in binding) return binding;
  if (binding.tokenBindingIdHash !== claims.cnf.tbh || binding.keyId !== claims.cnf.jkt) {
    return reject(
      'TOKEN_BINDING_KEY_MISMATCH',
      'The token binding is made with another key than the access token names.',
    );
  }
  return { ok: true, binding };
}
