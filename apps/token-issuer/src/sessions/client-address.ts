// The client address the per-address rate limit counts (docs/token-issuer.md, "Rate limits"): the TCP
// peer, or — only when that peer is a configured proxy — the address the proxies report in
// X-Forwarded-For. An address anyone else puts in the header is ignored, so a client cannot pick the
// bucket it is charged to.
import { BlockList, isIP } from 'node:net';

/** Longest prefix of an IPv4 and an IPv6 CIDR. */
const prefixLengthMax = { ipv4: 32, ipv6: 128 } as const;
/** X-Forwarded-For entries read from the right (a longer chain is walked no further). */
export const forwardedForEntriesMax = 16;

/** `::ffff:192.0.2.1` (a dual-stack socket's IPv4 peer) as `192.0.2.1`; other addresses as they are. */
function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped === null ? address : mapped[1]!;
}

function familyOf(address: string): 'ipv4' | 'ipv6' | null {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : null;
}

/**
 * The proxies whose X-Forwarded-For is believed (`SETTLE_TOKEN_ISSUER_TRUSTED_PROXIES`: addresses and
 * CIDRs separated by commas; empty: none, the TCP peer is the client).
 *
 * @example
 * const proxies = TrustedProxies.parse('10.0.0.0/8,192.0.2.7');
 * proxies.clientAddressOf('10.1.2.3', '198.51.100.9, 10.0.0.5'); // '198.51.100.9'
 * proxies.clientAddressOf('203.0.113.1', '198.51.100.9');        // '203.0.113.1'
 */
export class TrustedProxies {
  private constructor(
    private readonly list: BlockList,
    readonly count: number,
  ) {}

  /** Throws naming the first entry that is neither an IP address nor a CIDR. */
  static parse(setting: string): TrustedProxies {
    const list = new BlockList();
    const entries = setting
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
    for (const entry of entries) {
      const [address = '', prefix, ...rest] = entry.split('/');
      const family = familyOf(address);
      const prefixLength = prefix === undefined ? null : Number(prefix);
      if (
        family === null ||
        rest.length > 0 ||
        (prefixLength !== null &&
          !(
            Number.isInteger(prefixLength) &&
            prefixLength >= 0 &&
            prefixLength <= prefixLengthMax[family]
          ))
      ) {
        throw new Error(
          `SETTLE_TOKEN_ISSUER_TRUSTED_PROXIES: "${entry}" is neither an IP address nor a CIDR`,
        );
      }
      if (prefixLength === null) list.addAddress(address, family);
      else list.addSubnet(address, prefixLength, family);
    }
    return new TrustedProxies(list, entries.length);
  }

  isTrusted(address: string): boolean {
    const family = familyOf(address);
    return family !== null && this.list.check(address, family);
  }

  /**
   * The peer, unless it is a trusted proxy: then the rightmost X-Forwarded-For entry that is not a
   * trusted proxy (what the nearest untrusted hop said is the client's own address). An entry that is
   * not an address stops the walk at the proxy that forwarded it: garbage cannot open fresh buckets.
   */
  clientAddressOf(
    peer: string | undefined,
    forwardedFor: string | readonly string[] | undefined,
  ): string {
    if (peer === undefined) return 'unknown';
    let client = plainAddress(peer);
    if (this.count === 0 || forwardedFor === undefined || !this.isTrusted(client)) return client;
    const entries = (typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(','))
      .split(',')
      .map((entry) => plainAddress(entry.trim()));
    for (const entry of entries.reverse().slice(0, forwardedForEntriesMax)) {
      if (familyOf(entry) === null) return client;
      client = entry;
      if (!this.isTrusted(entry)) return client;
    }
    return client;
  }
}
