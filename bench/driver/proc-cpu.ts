import { readFile } from 'node:fs/promises';

// Linux reports process and machine CPU time in clock ticks of 1/100 s (USER_HZ).
const TICK_MICROS = 10_000;

/**
 * User + system CPU time of another process (Redis, the DynamoDB Local JVM), in microseconds,
 * from /proc/<pid>/stat: 10 ms resolution, plenty over a window of seconds.
 */
export async function processCpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name, which may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) * TICK_MICROS;
}

/** CPU time the whole machine spent busy (not idle or waiting on I/O), in microseconds over all cores. */
export async function machineBusyMicros(): Promise<number> {
  const first = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0] as string;
  const [user, nice, system, , , irq, softirq, steal] = first.trim().split(/\s+/).slice(1).map(Number) as number[];
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * TICK_MICROS;
}
