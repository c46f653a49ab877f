// CPU seconds used during a measured phase, from /proc (Linux): the whole machine, this process, and
// each of its child processes by a label — where the time of an end-to-end run goes. Elsewhere than
// Linux every figure is null.
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on every Linux this runs on). */
const clockTicksPerSecond = 100;

export interface CpuSample {
  readonly atMs: number;
  /** Busy (not idle, not iowait) seconds of every core together since boot. */
  readonly machineBusySeconds: number | null;
  readonly ownSeconds: number;
  /** user + system seconds of each child of this process, by the label its command line matches. */
  readonly childSeconds: ReadonlyMap<string, number>;
}

/** Busy seconds from the first line of /proc/stat: `cpu user nice system idle iowait irq softirq steal …`. */
export function machineBusySecondsOf(procStat: string): number {
  const fields = procStat.split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / clockTicksPerSecond;
}

/** Parent pid and user + system seconds from /proc/<pid>/stat (the command name may hold spaces and parentheses). */
export function processTimesOf(pidStat: string): {
  readonly parentPid: number;
  readonly seconds: number;
} {
  const fields = pidStat.slice(pidStat.lastIndexOf(')') + 2).split(' ');
  // After the name: state(0) ppid(1) … utime(11) stime(12).
  return {
    parentPid: Number(fields[1]),
    seconds: (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond,
  };
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** A sample; `labelOf` names a child by its command line (null: not counted). */
export function sampleCpu(labelOf: (commandLine: string) => string | null): CpuSample {
  const usage = process.cpuUsage();
  const procStat = readOrNull('/proc/stat');
  const childSeconds = new Map<string, number>();
  for (const entry of procStat === null ? [] : readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readOrNull(`/proc/${entry}/stat`);
    if (stat === null || processTimesOf(stat).parentPid !== process.pid) continue;
    const label = labelOf((readOrNull(`/proc/${entry}/cmdline`) ?? '').replaceAll('\u0000', ' '));
    if (label !== null)
      childSeconds.set(label, (childSeconds.get(label) ?? 0) + processTimesOf(stat).seconds);
  }
  return {
    atMs: Date.now(),
    machineBusySeconds: procStat === null ? null : machineBusySecondsOf(procStat),
    ownSeconds: (usage.user + usage.system) / 1e6,
    childSeconds,
  };
}

export interface CpuShare {
  readonly wallSeconds: number;
  /** Average cores busy over the phase, whole machine (null off Linux). */
  readonly machineCores: number | null;
  /** Average cores used by this process and by each child label. */
  readonly ownCores: number;
  readonly childCores: Readonly<Record<string, number>>;
}

/** Average cores busy between two samples (a child restarted in between, its counter reset, counts 0). */
export function cpuShareBetween(before: CpuSample, after: CpuSample): CpuShare {
  const wallSeconds = (after.atMs - before.atMs) / 1000;
  if (!(wallSeconds > 0))
    throw new Error('cpu share: the second sample is not later than the first');
  const cores = (seconds: number) => Math.round((seconds / wallSeconds) * 100) / 100;
  const childCores = Object.fromEntries(
    [...after.childSeconds].map(([label, seconds]) => [
      label,
      cores(Math.max(0, seconds - (before.childSeconds.get(label) ?? 0))),
    ]),
  );
  const machineCores =
    before.machineBusySeconds === null || after.machineBusySeconds === null
      ? null
      : cores(after.machineBusySeconds - before.machineBusySeconds);
  return {
    wallSeconds,
    machineCores,
    ownCores: cores(after.ownSeconds - before.ownSeconds),
    childCores,
  };
}
