import { processesInGroup } from "../support/process-group.ts";

/**
 * CPU time (ms) used so far by a server's process group (workerd and its Node parent), from
 * /proc (Linux). Per request it barely moves with what else loads the machine, unlike req/s.
 */
export function serverCpuMs(pgid: number | undefined): number {
  const ticks = processesInGroup(pgid).reduce((sum, p) => sum + p.userTicks + p.kernelTicks, 0);
  return ticks * 10; // USER_HZ is 100 on Linux
}
