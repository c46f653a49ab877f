import { auditText } from './admin-audit-log';

describe('auditText', () => {
  it('keeps ordinary text, paired surrogates included', () => {
    expect(auditText('acc-7 ✓ 😀')).toBe('acc-7 ✓ 😀');
  });

  it('writes what PostgreSQL refuses (NUL, lone surrogates) as \\uXXXX, and \\ as \\\\ so the escape cannot be forged', () => {
    expect(auditText('a\u0000b')).toBe('a\\u0000b');
    expect(auditText('x\ud800y\udc00')).toBe('x\\ud800y\\udc00');
    expect(auditText('a\\u0000b')).toBe('a\\\\u0000b');
  });

  it('makes text that JSON and jsonb accept', () => {
    const stored = auditText('\u0000\ud83d');
    expect(stored.includes('\u0000')).toBe(false);
    // encodeURIComponent throws on a lone surrogate.
    expect(() => encodeURIComponent(stored)).not.toThrow();
    expect(stored).toBe('\\u0000\\ud83d');
  });
});
