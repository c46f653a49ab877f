import { cpuShareBetween, machineBusySecondsOf, processTimesOf } from './cpu-time';

describe('cpu time from /proc', () => {
  it('adds every busy column of /proc/stat and leaves idle and iowait out', () => {
    // user nice system idle iowait irq softirq steal guest guest_nice (ticks of 1/100 s)
    expect(
      machineBusySecondsOf(
        'cpu  1000 50 400 90000 700 10 40 0 0 0\ncpu0 500 25 200 45000 350 5 20 0 0 0\n',
      ),
    ).toBeCloseTo(15, 9);
  });

  it('reads parent pid and user + system time after a command name holding spaces and parentheses', () => {
    const stat =
      '4242 (node (bench) x) S 4200 4242 4200 0 -1 4194560 100 0 0 0 250 130 0 0 20 0 11 0 5000 100000 2000';
    expect(processTimesOf(stat)).toEqual({ parentPid: 4200, seconds: 3.8 });
  });

  it('turns two samples into average cores, a restarted child counting 0', () => {
    const share = cpuShareBetween(
      {
        atMs: 0,
        machineBusySeconds: 100,
        ownSeconds: 1,
        childSeconds: new Map([
          ['verifier', 10],
          ['ledger', 50],
        ]),
      },
      {
        atMs: 4_000,
        machineBusySeconds: 107,
        ownSeconds: 2,
        childSeconds: new Map([
          ['verifier', 14],
          ['ledger', 2],
        ]),
      },
    );
    expect(share).toEqual({
      wallSeconds: 4,
      machineCores: 1.75,
      ownCores: 0.25,
      childCores: { verifier: 1, ledger: 0 },
    });
    const sample = {
      atMs: 5,
      machineBusySeconds: null,
      ownSeconds: 0,
      childSeconds: new Map<string, number>(),
    };
    expect(() => cpuShareBetween(sample, sample)).toThrow('not later');
    expect(cpuShareBetween(sample, { ...sample, atMs: 1_005 }).machineCores).toBeNull();
  });
});
