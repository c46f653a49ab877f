import {
  type AuthorizationList,
  NonStandardKeyDescription,
  type NonStandardAuthorizationList,
  id_ce_keyDescription,
} from '@peculiar/asn1-android';
import { AsnParser, OctetString } from '@peculiar/asn1-schema';
import { Sequence, fromBER } from 'asn1js';
import { type Checked, passed, reject } from '../checks/rejection';
import { asn1ParseOptions } from '../x509/parse-certificate';
import { type X509Certificate } from '../x509/x509';
import {
  type AndroidSecurityLevel,
  type AuthorizationView,
  type KeyDescriptionView,
  androidSecurityLevels,
} from './key-description';

/** Raised inside this file only, turned into `EVIDENCE_MALFORMED` by {@link parseKeyDescription}. */
class MalformedKeyDescription extends Error {}

/** A byte string as asn1-schema returns it (an `OctetString`, or an `ArrayBuffer` inside SET OF). */
export function octets(value: OctetString | ArrayBuffer): Uint8Array {
  return value instanceof OctetString ? new Uint8Array(value.buffer) : new Uint8Array(value);
}

/** asn1-schema returns INTEGERs as numbers, or as decimal strings when they are long. */
function safeInteger(value: unknown, what: string): number {
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number))
    throw new MalformedKeyDescription(`${what} is not an integer`);
  return number;
}

function optionalInteger(value: unknown, what: string): number | undefined {
  return value === undefined ? undefined : safeInteger(value, what);
}

function securityLevel(value: unknown, what: string): AndroidSecurityLevel {
  const level =
    androidSecurityLevels[safeInteger(value, what) as keyof typeof androidSecurityLevels];
  if (level === undefined)
    throw new MalformedKeyDescription(`${what} ${String(value)} is not a known security level`);
  return level;
}

/**
 * Flattens a list parsed with asn1-android's order-tolerant schema (a SEQUENCE OF one-member
 * CHOICEs): some devices emit the tags out of order, which DER forbids but Android's own
 * verifiers accept. A tag that appears twice would make the list ambiguous and is refused.
 */
function flatten(list: NonStandardAuthorizationList, what: string): AuthorizationList {
  const members: Record<string, unknown> = {};
  for (const authorization of list) {
    const defined = Object.entries(authorization).filter(([, value]) => value !== undefined);
    if (defined.length !== 1)
      throw new MalformedKeyDescription(`${what} has an entry with ${defined.length} members`);
    const [name, value] = defined[0]!;
    if (name in members) throw new MalformedKeyDescription(`${what} has tag ${name} twice`);
    members[name] = value;
  }
  return members as AuthorizationList;
}

function authorizationView(list: NonStandardAuthorizationList, what: string): AuthorizationView {
  const flat = flatten(list, what);
  return {
    purposes:
      flat.purpose === undefined
        ? undefined
        : [...flat.purpose].map((purpose) => safeInteger(purpose, `${what} purpose`)),
    origin: optionalInteger(flat.origin, `${what} origin`),
    noAuthRequired: flat.noAuthRequired !== undefined,
    userAuthType: optionalInteger(flat.userAuthType, `${what} userAuthType`),
    authTimeoutSeconds: optionalInteger(flat.authTimeout, `${what} authTimeout`),
    rootOfTrust: flat.rootOfTrust,
    attestationApplicationId:
      flat.attestationApplicationId === undefined
        ? undefined
        : octets(flat.attestationApplicationId),
    osPatchLevel: optionalInteger(flat.osPatchLevel, `${what} osPatchLevel`),
  };
}

/**
 * The KeyMint tags (context-specific tag numbers of an AuthorizationList) that
 * @peculiar/asn1-android 2.10's schema declares: purpose 1 to module hash 724, as its
 * `AuthorizationList`. A tag outside this set is one the schema cannot parse, from a KeyMint
 * newer than the library (or one asn1-android leaves out, such as BLOCK_MODE 4, which only AES keys
 * carry); when asn1-android learns a tag, add it here.
 */
const parsedAuthorizationTags: ReadonlySet<number> = new Set([
  1, 2, 3, 5, 6, 10, 200, 203, 303, 305, 400, 401, 402, 405, 503, 504, 505, 506, 507, 508, 509, 600,
  601, 701, 702, 703, 704, 705, 706, 709, 710, 711, 712, 713, 714, 715, 716, 717, 718, 719, 720,
  723, 724,
]);
/** asn1js's number for the context-specific tag class. */
const contextSpecificTagClass = 3;
/** Positions of softwareEnforced and teeEnforced/hardwareEnforced in the KeyDescription SEQUENCE. */
const authorizationListIndexes: readonly number[] = [6, 7];

/**
 * Takes out of both authorization lists the authorizations whose tag the schema does not know, and
 * returns their tag numbers. None of them is a property this library reads (it reads only tags the
 * schema knows), so skipping them loses nothing a check needs; refusing them would refuse every
 * device of a newer KeyMint version until the library is updated. Anything that is not a
 * SEQUENCE where one is expected is left for the schema to refuse.
 */
function skipUnknownAuthorizations(keyDescription: unknown): number[] {
  if (!(keyDescription instanceof Sequence)) return [];
  const skipped: number[] = [];
  for (const index of authorizationListIndexes) {
    const list = keyDescription.valueBlock.value[index];
    if (!(list instanceof Sequence)) continue;
    list.valueBlock.value = list.valueBlock.value.filter(({ idBlock }) => {
      const unknown =
        idBlock.tagClass === contextSpecificTagClass &&
        !parsedAuthorizationTags.has(idBlock.tagNumber);
      if (unknown) skipped.push(idBlock.tagNumber);
      return !unknown;
    });
  }
  return skipped;
}

/** Decodes the DER with asn1js under the library's limits, drops unknown tags, applies the schema. */
function decodeKeyDescription(der: ArrayBuffer): {
  readonly parsed: NonStandardKeyDescription;
  readonly skippedTags: readonly number[];
} {
  const decoded = fromBER(der, asn1ParseOptions.berOptions);
  if (decoded.offset === -1) throw new MalformedKeyDescription(decoded.result.error || 'not DER');
  if (decoded.offset !== der.byteLength)
    throw new MalformedKeyDescription('bytes follow the KeyDescription');
  const skippedTags = skipUnknownAuthorizations(decoded.result);
  return { parsed: AsnParser.fromASN(decoded.result, NonStandardKeyDescription), skippedTags };
}

/**
 * Reads the Android KeyDescription extension (OID 1.3.6.1.4.1.11129.2.1.17) with
 * @peculiar/asn1-android's schema. It must be in the leaf exactly once (`EVIDENCE_MALFORMED`
 * otherwise) and in no other certificate (`CERTIFICATE_CHAIN_INVALID`: a certificate above the leaf
 * that carries attestation data means an attested key signed a certificate of its own). An
 * authorization with a tag the schema does not know (a newer KeyMint) is skipped and named in
 * `skippedAuthorizationTags`; a known tag that does not decode is `EVIDENCE_MALFORMED`.
 */
export function parseKeyDescription(
  certificates: readonly X509Certificate[],
): Checked<KeyDescriptionView> {
  const extensions = certificates[0]!.getExtensions(id_ce_keyDescription);
  if (extensions.length !== 1)
    return reject(
      'EVIDENCE_MALFORMED',
      `the leaf has ${extensions.length} KeyDescription extensions, not one`,
    );
  if (
    certificates
      .slice(1)
      .some((certificate) => certificate.getExtensions(id_ce_keyDescription).length > 0)
  ) {
    return reject(
      'CERTIFICATE_CHAIN_INVALID',
      'a certificate above the leaf carries a KeyDescription extension',
    );
  }
  try {
    const { parsed, skippedTags } = decodeKeyDescription(extensions[0]!.value);
    return passed({
      attestationVersion: safeInteger(parsed.attestationVersion, 'attestationVersion'),
      attestationSecurityLevel: securityLevel(
        parsed.attestationSecurityLevel,
        'attestationSecurityLevel',
      ),
      keymasterVersion: safeInteger(parsed.keymasterVersion, 'keymasterVersion'),
      keymasterSecurityLevel: securityLevel(
        parsed.keymasterSecurityLevel,
        'keymasterSecurityLevel',
      ),
      attestationChallenge: octets(parsed.attestationChallenge),
      softwareEnforced: authorizationView(parsed.softwareEnforced, 'softwareEnforced'),
      hardwareEnforced: authorizationView(parsed.teeEnforced, 'hardwareEnforced'),
      skippedAuthorizationTags: skippedTags,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return reject('EVIDENCE_MALFORMED', `the KeyDescription extension does not decode: ${message}`);
  }
}
