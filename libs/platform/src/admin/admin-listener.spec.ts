import { isAdminPath, isHealthPath } from './admin-listener';

function request(
  url: string,
  path?: string,
): { method: string; url: string; headers: Record<string, string>; path?: string } {
  return { method: 'GET', url, headers: {}, ...(path === undefined ? {} : { path }) };
}

describe('admin listener path checks', () => {
  it.each([
    '/admin',
    '/admin/',
    '/admin/whoami',
    '/admin/whoami?x=1',
    '/ADMIN/whoami',
    '/Admin/accounts/1',
    '//admin/whoami',
    '/%61dmin/whoami',
    '/admin%2Fwhoami',
  ])('treats %s as an admin path', (url) => {
    expect(isAdminPath(request(url))).toBe(true);
  });

  it('uses the path Express routes on (an absolute-form request target)', () => {
    expect(isAdminPath(request('http://example.test/admin/whoami', '/admin/whoami'))).toBe(true);
  });

  it.each(['/', '/administrator', '/health/live', '/docs', '/v1/admin', '/%E0%A4%A'])(
    'does not treat %s as an admin path',
    (url) => {
      expect(isAdminPath(request(url))).toBe(false);
    },
  );

  it('recognises the probes', () => {
    expect(isHealthPath(request('/health/live'))).toBe(true);
    expect(isHealthPath(request('/health/ready?verbose'))).toBe(true);
    expect(isHealthPath(request('/healthz'))).toBe(false);
  });
});
