// The fee schema and the database agree (issue 13 §3): the bounds a fee schedule may take are the
// domain's constants, and ledger_fee_schedules' CHECK holds exactly those (a bound only the database
// knew answered 500; one only the API knew would let other writers store what the domain refuses).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { feeBasisPointsMax, feeFixedMinorUnitsMax } from '../domain/fees';

const migration = readFileSync(
  path.join(__dirname, '..', '..', 'migrations', '0002-accounts-journal-balances.sql'),
  'utf8',
);
const table = /CREATE TABLE ledger_fee_schedules \(([\s\S]*?)\n\);/.exec(migration)?.[1] ?? '';

describe('fee schedule bounds', () => {
  it('are the same in the domain and in the table', () => {
    expect(table).toContain(
      `basis_points       integer     NOT NULL CHECK (basis_points >= 0 AND basis_points <= ${feeBasisPointsMax})`,
    );
    expect(table).toContain(
      `fixed_minor_units  bigint      NOT NULL CHECK (fixed_minor_units >= 0 AND fixed_minor_units <= ${feeFixedMinorUnitsMax})`,
    );
  });
});
