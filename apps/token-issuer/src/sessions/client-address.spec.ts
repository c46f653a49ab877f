import { TrustedProxies } from './client-address';

describe('TrustedProxies', () => {
  it('trusts nobody by default: the TCP peer is the client, X-Forwarded-For is ignored', () => {
    const none = TrustedProxies.parse('');
    expect(none.clientAddressOf('203.0.113.1', '198.51.100.9')).toBe('203.0.113.1');
    expect(none.clientAddressOf('::ffff:203.0.113.1', undefined)).toBe('203.0.113.1');
  });

  it('believes X-Forwarded-For from a configured proxy only, walking from the right past trusted hops', () => {
    const proxies = TrustedProxies.parse('10.0.0.0/8, 192.0.2.7,2001:db8::/32');
    expect(proxies.clientAddressOf('10.1.2.3', '198.51.100.9')).toBe('198.51.100.9');
    expect(proxies.clientAddressOf('::ffff:10.1.2.3', '198.51.100.9, 10.0.0.5')).toBe(
      '198.51.100.9',
    );
    // A client's own X-Forwarded-For entry (left of what the proxy saw) does not choose its bucket.
    expect(proxies.clientAddressOf('192.0.2.7', '1.1.1.1, 198.51.100.9')).toBe('198.51.100.9');
    expect(proxies.clientAddressOf('2001:db8::1', ['2001:db8::2', '2001:db9::5'])).toBe(
      '2001:db9::5',
    );
    expect(proxies.clientAddressOf('203.0.113.1', '198.51.100.9')).toBe('203.0.113.1');
    expect(proxies.clientAddressOf('10.1.2.3', 'not-an-address')).toBe('10.1.2.3');
    expect(proxies.clientAddressOf('10.1.2.3', '10.0.0.9')).toBe('10.0.0.9');
  });

  it('refuses an entry that is neither an address nor a CIDR', () => {
    expect(() => TrustedProxies.parse('10.0.0.0/33')).toThrow(/10\.0\.0\.0\/33/);
    expect(() => TrustedProxies.parse('proxy.internal')).toThrow(/TRUSTED_PROXIES/);
    expect(() => TrustedProxies.parse('10.0.0.1/8/1')).toThrow(/TRUSTED_PROXIES/);
  });
});
