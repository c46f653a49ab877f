import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { addContractFormats, isCanonicalUtcTimestamp, isLowerCaseUuid } from './formats';

const fullDateTime = addFormats.get('date-time') as { validate: (text: string) => boolean };
const fullUuid = addFormats.get('uuid') as RegExp;

function contractValidator(format: 'date-time' | 'uuid') {
  const ajv = new Ajv2020({ strict: true });
  addContractFormats(ajv);
  return ajv.compile({ type: 'string', format });
}

/** Every one-character change of `text` into one of `alphabet`, and its truncations. */
function neighbours(text: string, alphabet: string): string[] {
  const result: string[] = [];
  for (let index = 0; index < text.length; index++) {
    result.push(text.slice(0, index), text.slice(0, index) + text.slice(index + 1));
    for (const character of alphabet)
      result.push(text.slice(0, index) + character + text.slice(index + 1));
  }
  return result;
}

describe('the contract formats', () => {
  const dateTimes = [
    '2026-11-28T10:00:00.000Z',
    '2024-02-29T23:59:59.999Z',
    '2023-02-29T00:00:00.000Z',
    '2000-02-29T00:00:00.000Z',
    '1900-02-29T00:00:00.000Z',
    '2026-04-31T00:00:00.000Z',
    '2026-13-01T00:00:00.000Z',
    '2026-00-10T00:00:00.000Z',
    '2026-12-00T00:00:00.000Z',
    '2026-12-31T24:00:00.000Z',
    '2026-12-31T23:60:00.000Z',
    '2026-12-31T23:59:60.000Z',
    '2026-12-31T22:59:60.000Z',
    '2026-11-28t10:00:00.000z',
    '2026-11-28 10:00:00Z',
    '2026-11-28T10:00:00+01:00',
    '2026-11-28T10:00:00.1Z',
    '2026-11-28T10:00:00.000',
    '',
  ];
  const uuids = [
    '0b0c5e6a-6f1e-4b36-9d59-3a5f5b7b9c11',
    '0B0C5E6A-6F1E-4B36-9D59-3A5F5B7B9C11',
    'urn:uuid:0b0c5e6a-6f1e-4b36-9d59-3a5f5b7b9c11',
    '0b0c5e6a6f1e-4b36-9d59-3a5f5b7b9c11-',
    '0b0c5e6a-6f1e-4b36-9d59-3a5f5b7b9c1g',
    '',
  ];

  it('accepts and refuses exactly what ajv-formats does for date-time', () => {
    const validate = contractValidator('date-time');
    const cases = dateTimes.flatMap((text) => [text, ...neighbours(text, '09T:.-Z+ x1')]);
    for (const text of cases)
      expect([text, validate(text)]).toEqual([text, fullDateTime.validate(text)]);
  });

  it('accepts and refuses exactly what ajv-formats does for uuid', () => {
    const validate = contractValidator('uuid');
    const cases = uuids.flatMap((text) => [text, ...neighbours(text, '0af-gA:/')]);
    for (const text of cases) expect([text, validate(text)]).toEqual([text, fullUuid.test(text)]);
  });

  it('takes the fast path only for the canonical forms', () => {
    expect(isCanonicalUtcTimestamp('2024-02-29T23:59:59.999Z')).toBe(true);
    expect(isCanonicalUtcTimestamp('2023-02-29T00:00:00.000Z')).toBe(false);
    expect(isCanonicalUtcTimestamp('2026-12-31T23:59:60.000Z')).toBe(false); // leap second: full check
    expect(isLowerCaseUuid('0b0c5e6a-6f1e-4b36-9d59-3a5f5b7b9c11')).toBe(true);
    expect(isLowerCaseUuid('0B0C5E6A-6F1E-4B36-9D59-3A5F5B7B9C11')).toBe(false);
  });
});
