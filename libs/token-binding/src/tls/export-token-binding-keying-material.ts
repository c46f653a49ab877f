import { type TLSSocket } from 'node:tls';
import { tokenBindingEkmLengthBytes, tokenBindingExporterLabel } from '../constants';
import { TokenBindingError, assert } from '../errors';

/**
 * The TLS protocol versions whose exporter this library uses. TLS 1.2's exporter is only safe with
 * the extended master secret (RFC 7627, which RFC 8472 requires for token binding over TLS 1.2), which Node cannot confirm for a
 * connection; TLS 1.3 always has it (RFC 8446 §7.5).
 */
const supportedProtocols: readonly string[] = ['TLSv1.3'];

/**
 * The connection's token binding EKM (RFC 8471 §3.3): the TLS exporter with label
 * `EXPORTER-Token-Binding`, **no context**, 32 bytes, as `socket.exportKeyingMaterial(32, label)`.
 * Node passes no context when the third argument is absent (`SSL_export_keying_material` with
 * `use_context = 0`); passing an empty buffer would be "empty context", which TLS 1.2 treats as a
 * different value (RFC 5705 §4; in TLS 1.3 the two coincide, RFC 8446 §7.5). Client and server
 * sides of one connection get the same bytes; any other connection gets different ones.
 *
 * Throws `ERR_TB_TLS_STATE_INVALID` before the handshake has finished, or on a connection that is
 * not TLS 1.3; `ERR_TB_INVALID_ARGUMENT` for something that is not a TLSSocket.
 *
 * @example
 * ```ts
 * import { exportTokenBindingKeyingMaterial } from '@settle/token-binding';
 * server.on('secureConnection', (socket) => {
 *   const ekm = exportTokenBindingKeyingMaterial(socket); // Uint8Array(32)
 * });
 * ```
 */
export function exportTokenBindingKeyingMaterial(socket: TLSSocket): Uint8Array {
  if (
    typeof socket !== 'object' ||
    socket === null ||
    typeof socket.exportKeyingMaterial !== 'function' ||
    typeof socket.getProtocol !== 'function'
  ) {
    throw new TokenBindingError(
      'ERR_TB_INVALID_ARGUMENT',
      'exportTokenBindingKeyingMaterial takes a TLSSocket',
    );
  }
  const protocol = socket.getProtocol();
  if (protocol === null || !supportedProtocols.includes(protocol)) {
    throw new TokenBindingError(
      'ERR_TB_TLS_STATE_INVALID',
      `token binding needs a finished TLS 1.3 handshake (protocol: ${String(protocol)})`,
    );
  }
  let exported: Buffer;
  try {
    // No third argument: "no context", as RFC 8471 §3.3 requires. @types/node declares `context`
    // as required, but Node's implementation (lib/_tls_wrap.js) takes it as optional and calls
    // OpenSSL with use_context = 0 when it is absent; the integration test pins the result against
    // `openssl s_client -keymatexport`, which uses no context either.
    const exportWithoutContext = socket.exportKeyingMaterial as (
      length: number,
      label: string,
    ) => Buffer;
    exported = exportWithoutContext.call(
      socket,
      tokenBindingEkmLengthBytes,
      tokenBindingExporterLabel,
    );
  } catch (error) {
    throw new TokenBindingError(
      'ERR_TB_TLS_STATE_INVALID',
      'the TLS exporter is not available on this connection',
      { cause: error },
    );
  }
  assert(exported.length === tokenBindingEkmLengthBytes, 'exporter output length');
  return new Uint8Array(exported);
}
