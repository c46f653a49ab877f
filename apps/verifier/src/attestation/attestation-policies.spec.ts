import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkAttestationPolicy } from '@settle/attestation';
import { ConfigValueError } from '@settle/platform';
import { parseAndroidRevocationStatusList } from '@settle/attestation';
import {
  loadAttestationPolicies,
  parseAttestationPolicies,
  policyForRegisteredClass,
  productionAttestationPolicies,
} from './attestation-policies';
import { appleAppAttestationRootCaPem } from './trust-roots';

const developmentAndroid = {
  development: true,
  android: { formats: ['android-key', 'none'], acceptedLevels: ['strongbox', 'tee', 'software'] },
};

describe('attestation policies', () => {
  it('defaults to the production policies, with Google’s and Apple’s roots pinned by key, and never accepts none', () => {
    const policies = loadAttestationPolicies({});
    for (const policy of Object.values(policies)) {
      expect(checkAttestationPolicy(policy)).toBe(policy);
      expect(policy.formats).not.toContain('none');
    }
    expect(policies.android.trustAnchors.map((anchor) => anchor.spkiSha256)).toEqual([
      'feb2ea7551ee316ed4bb443c8293b884dbfdea40b603ee3e4f4a897e4580fbae',
      '3ee44512a1af2beb39c889490c60ea3f82e43f5d5a5532f5ab9419f676cd07ec',
    ]);
    expect(policies.ios.trustAnchors.map((anchor) => anchor.spkiSha256)).toEqual([
      '1ae751fd29896d0f1f13fe226c063f445d40d8938acc6245c251ecc0679330bd',
    ]);
    expect(policies.android.acceptedLevels).toEqual(['strongbox', 'tee']);
    expect(policies.terminal).toMatchObject({
      deviceClass: 'android',
      formats: ['android-key'],
      acceptedLevels: ['strongbox', 'tee'],
      applications: [{ packageName: 'com.example.terminal' }],
    });
  });

  it('overrides members of a class’s production policy from JSON, and keeps the other classes’ defaults', () => {
    const policies = parseAttestationPolicies(developmentAndroid);
    expect(policies.android).toMatchObject({
      formats: ['android-key', 'none'],
      acceptedLevels: ['strongbox', 'tee', 'software'],
      verifiedBootStates: ['verified'],
    });
    expect(policies.ios).toEqual(productionAttestationPolicies().ios);
    expect(policies.terminal).toEqual(productionAttestationPolicies().terminal);
    const ios = parseAttestationPolicies({
      development: true,
      ios: {
        formats: ['none'],
        acceptedLevels: ['software'],
        trustAnchors: [{ name: 'Apple', certificate: appleAppAttestationRootCaPem }],
        appIds: ['TEAM123456.com.settle.wallet'],
      },
    });
    expect(ios.ios).toMatchObject({
      appIds: ['TEAM123456.com.settle.wallet'],
      trustAnchors: [
        {
          name: 'Apple',
          spkiSha256: '1ae751fd29896d0f1f13fe226c063f445d40d8938acc6245c251ecc0679330bd',
        },
      ],
    });
  });

  it('refuses format none for android, ios and terminals unless the configuration says "development": true (issue 13 §1)', () => {
    const none = {
      formats: ['android-key', 'none'],
      acceptedLevels: ['strongbox', 'tee', 'software'],
    };
    expect(() => parseAttestationPolicies({ android: none })).toThrow(
      /android\.formats lists none/,
    );
    expect(() => parseAttestationPolicies({ terminal: none })).toThrow(
      /terminal\.formats lists none/,
    );
    expect(() => parseAttestationPolicies({ development: 'yes', android: none })).toThrow(
      /development must be true or false/,
    );
    expect(
      parseAttestationPolicies({ development: true, terminal: none }).terminal.formats,
    ).toEqual(['android-key', 'none']);
    expect(
      parseAttestationPolicies({ web: { formats: ['webauthn-packed', 'none'] } }).web.formats,
    ).toEqual(['webauthn-packed', 'none']);
    expect(() =>
      parseAttestationPolicies({ development: true, terminal: { formats: ['webauthn-packed'] } }),
    ).toThrow(ConfigValueError);
  });

  it('picks the policy of the registered class, and gives Android-shaped ones the fetched revocation list', () => {
    const policies = productionAttestationPolicies();
    const list = parseAndroidRevocationStatusList({ entries: { '2a': { status: 'REVOKED' } } });
    expect(policyForRegisteredClass(policies, 'ios', list)).toBe(policies.ios);
    expect(policyForRegisteredClass(policies, 'android', undefined)).toBe(policies.android);
    expect(policyForRegisteredClass(policies, 'terminal', list)).toMatchObject({
      deviceClass: 'android',
      revocationStatusList: list,
      applications: [{ packageName: 'com.example.terminal' }],
    });
  });

  it('refuses unknown classes and members, levels a class cannot have, and unreadable anchors', () => {
    expect(() => parseAttestationPolicies([])).toThrow(ConfigValueError);
    expect(() => parseAttestationPolicies({ windows: {} })).toThrow(/unknown member/);
    expect(() => parseAttestationPolicies({ android: { formatz: ['none'] } })).toThrow(
      /unknown member/,
    );
    expect(() =>
      parseAttestationPolicies({ android: { acceptedLevels: ['secure-enclave'] } }),
    ).toThrow(ConfigValueError);
    expect(() =>
      parseAttestationPolicies({
        android: { trustAnchors: [{ name: 'x', certificate: 'not a pem' }] },
      }),
    ).toThrow(ConfigValueError);
    expect(() => parseAttestationPolicies({ android: { deviceClass: 'ios' } })).toThrow(
      ConfigValueError,
    );
  });

  it('reads the policy from a file, and refuses both variables at once', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'verifier-policy-')), 'policy.json');
    writeFileSync(file, JSON.stringify(developmentAndroid));
    expect(
      loadAttestationPolicies({ SETTLE_VERIFIER_ATTESTATION_POLICY_FILE: file }).android.formats,
    ).toEqual(['android-key', 'none']);
    expect(() =>
      loadAttestationPolicies({ SETTLE_VERIFIER_ATTESTATION_POLICY_FILE: `${file}.missing` }),
    ).toThrow(ConfigValueError);
    expect(() =>
      loadAttestationPolicies({
        SETTLE_VERIFIER_ATTESTATION_POLICY: parseAttestationPolicies(developmentAndroid),
        SETTLE_VERIFIER_ATTESTATION_POLICY_FILE: file,
      }),
    ).toThrow(/not both/);
  });
});
