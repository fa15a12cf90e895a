import { existsSync, readdirSync, readFileSync } from "node:fs";

/** One process of a group, from /proc/<pid>/stat. CPU times in clock ticks (USER_HZ, 100 a second on Linux). */
export interface GroupProcess {
  pid: string;
  /** R, S, D, Z (zombie: exited, not yet reaped by its parent), … */
  state: string;
  userTicks: number;
  kernelTicks: number;
}

/** The processes of process group `pgid` (Linux /proc; none elsewhere): a store is workerd and its Node parent. */
export function processesInGroup(pgid: number | undefined): GroupProcess[] {
  if (!pgid || !existsSync("/proc")) return [];
  const found: GroupProcess[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // Fields after the command name: state(3) ppid pgrp(5) … utime(14) stime(15), counted from 1.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      found.push({ pid, state: fields[0] ?? "", userTicks: Number(fields[11]), kernelTicks: Number(fields[12]) });
    } catch {}
  }
  return found;
}
