import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time (ms) used so far by a server's process group (workerd and its Node parent), from
 * /proc (Linux). Per request it barely moves with what else loads the machine, unlike req/s.
 */
export function serverCpuMs(pgid: number | undefined): number {
  let ticks = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}
