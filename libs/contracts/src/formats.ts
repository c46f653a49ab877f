import type Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * The `date-time` and `uuid` formats of ajv-formats, with a fast path for the one form the catalogue
 * writes. ajv-formats checks a date-time by splitting it and matching two regular expressions that
 * build match arrays: in bench/backbone that was two fifths of decoding an event, on send and again on
 * receive. The fast path reads the canonical form (`toISOString()`, a lower-case UUID) character by
 * character and only ever answers "valid"; anything else goes to ajv-formats' own check, so both
 * formats accept and refuse exactly what ajv-formats does (formats.spec.ts compares them).
 */
export function addContractFormats(ajv: Ajv2020): void {
  const fullDateTime = addFormats.get('date-time') as { validate: (text: string) => boolean };
  const fullUuid = addFormats.get('uuid') as RegExp;
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (text: string) => isCanonicalUtcTimestamp(text) || fullDateTime.validate(text),
  });
  ajv.addFormat('uuid', {
    type: 'string',
    validate: (text: string) => isLowerCaseUuid(text) || fullUuid.test(text),
  });
}

const daysInMonth = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `YYYY-MM-DDTHH:MM:SS.mmmZ` naming a real day and a time before 24:00 (no leap second: those take the full check). */
export function isCanonicalUtcTimestamp(text: string): boolean {
  if (text.length !== 24) return false;
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T') return false;
  if (text[13] !== ':' || text[16] !== ':' || text[19] !== '.' || text[23] !== 'Z') return false;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (year < 0 || digitsAt(text, 20, 3) < 0) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  const leapDay = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (daysInMonth[month] as number) + (leapDay ? 1 : 0)) return false;
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59;
}

/** `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lower-case hex. */
export function isLowerCaseUuid(text: string): boolean {
  if (text.length !== 36) return false;
  for (let index = 0; index < 36; index++) {
    const code = text.charCodeAt(index);
    if (index === 8 || index === 13 || index === 18 || index === 23) {
      if (code !== 0x2d) return false;
    } else if (!((code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66))) return false;
  }
  return true;
}

/** The decimal value of `count` ASCII digits at `start`, or -1 if any is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let index = start; index < start + count; index++) {
    const digit = text.charCodeAt(index) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}
