import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Test support (import from `@settle/contracts/testing`, never from production code): the golden
 * fixtures, one complete envelope per event type and version.
 */
export const fixturesDirectory = path.resolve(__dirname, '../fixtures');

/** The fixture file name of an event version: `<type>.v<N>.json`. */
export function fixtureFileName(type: string, version: number): string {
  return `${type}.v${version}.json`;
}

/** The golden envelope of `type` at `version`, parsed (a fresh copy on every call). */
export function readEventFixture(type: string, version: number): unknown {
  return JSON.parse(
    readFileSync(path.join(fixturesDirectory, fixtureFileName(type, version)), 'utf8'),
  );
}

/** Names of every fixture file. */
export function listFixtureFiles(): string[] {
  return readdirSync(fixturesDirectory)
    .filter((name) => /\.v[0-9]+\.json$/.test(name))
    .sort();
}
