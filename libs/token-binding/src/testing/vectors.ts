// Test support only (not exported from the package): a fixed binding key, EKM and the
// TokenBindingMessage they give, laid out field by field from RFC 8471 §3 so that the expected bytes
// do not come from this library's encoder.
import { concatBytes } from '../message/bytes';
import { hexToBytes } from '@settle/crypto';

/** A P-256 key generated once for these tests (never used anywhere else). */
export const bindingKey1 = {
  kty: 'EC',
  crv: 'P-256',
  x: 'I7YUf6yoBSSxGJ-3MHv-koosneZ4hcAf4CXGgL6Gt3E',
  y: 'SJJn3yKA9AmSe_NFeAL_hoCPfxrLchjXcaZkIskSXBY',
  d: 'ud29rUxoWn_QGVsopd9upkG6n8COhOsaHYUjRSbHdng',
} as const;

/** EKM 00 01 … 1f. */
export const fixedEkm = Uint8Array.from({ length: 32 }, (_, index) => index);

const pointHex =
  '23b6147faca80524b1189fb7307bfe928a2c9de67885c01fe025c680be86b771' + // X
  '489267df2280f409927bf3457802ff86808f7f1acb7218d771a66422c9125c16'; // Y
// R ‖ S made by @noble/curves (RFC 6979 deterministic) over 00 02 ‖ fixedEkm.
const signatureHex =
  'a4ce70e48fc0a555cf65956fe98e8d74000d8abfb17e41fbe666f4b055bb6c93' +
  '4325f4c3669a439ba25043e5b0fe037b1303a2b0391acfe57fbd6b2b608dc3e5';

/** The encoded TokenBindingID: key_parameters ecdsap256 (02), key_length 65 (0041), point length 64 (40), X ‖ Y. */
export const vectorTokenBindingIdBytes = concatBytes([
  hexToBytes('02' + '0041' + '40'),
  hexToBytes(pointHex),
]);

/** The whole message: tokenbindings length 137 (0089) ‖ type provided (00) ‖ TokenBindingID ‖ signature<64> ‖ extensions<0>. */
export const vectorMessageBytes = concatBytes([
  hexToBytes('0089'),
  hexToBytes('00'),
  vectorTokenBindingIdBytes,
  hexToBytes('0040'),
  hexToBytes(signatureHex),
  hexToBytes('0000'),
]);

/** The `Sec-Token-Binding` value of {@link vectorMessageBytes}. */
export const vectorHeader =
  'AIkAAgBBQCO2FH-sqAUksRiftzB7_pKKLJ3meIXAH-AlxoC-hrdxSJJn3yKA9AmSe_NFeAL_hoCPfxrLchjXcaZkIskSXBYAQKTOcOSPwKVVz2WVb-mOjXQADYq_sX5B--Zm9LBVu2yTQyX0w2aaQ5uiUEPlsP4DexMDorA5Gs_lf71rK2CNw-UAAA';

/** The point of {@link bindingKey1} as X ‖ Y. */
export const vectorPoint = hexToBytes(pointHex);
/** The signature in {@link vectorMessageBytes}. */
export const vectorSignature = hexToBytes(signatureHex);
