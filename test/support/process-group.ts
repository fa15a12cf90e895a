import { existsSync, readdirSync, readFileSync } from "node:fs";

/** One process of a group, from /proc/<pid>/stat. CPU times in clock ticks (USER_HZ, 100 a second on Linux). */
export interface GroupProcess {
  pid: string;
  /** R, S, D, Z (zombie: exited, not yet reaped by its parent), … */
  state: string;
  userTicks: number;
  kernelTicks: number;
}

/** Fields of /proc/<pid>/stat after the command name (state is [0], pgrp [2]); null if there is no such process. */
function statFields(pid: string | number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/**
 * Whether process `pid` still runs: false once it has exited, even while it waits as a zombie to be reaped (it then
 * serves nothing and holds no port; an orphan's reaping by init can take seconds). Without /proc (not Linux) it asks
 * the kernel only, where a zombie still counts.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (!existsSync("/proc")) return true;
  const fields = statFields(pid);
  return fields !== null && fields[0] !== "Z";
}

/** The processes of process group `pgid` (Linux /proc; none elsewhere): a store is workerd and its Node parent. */
export function processesInGroup(pgid: number | undefined): GroupProcess[] {
  if (!pgid || !existsSync("/proc")) return [];
  const found: GroupProcess[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    // Fields after the command name: state(3) ppid pgrp(5) … utime(14) stime(15), counted from 1.
    const fields = statFields(pid);
    if (!fields || Number(fields[2]) !== pgid) continue;
    found.push({ pid, state: fields[0] ?? "", userTicks: Number(fields[11]), kernelTicks: Number(fields[12]) });
  }
  return found;
}
