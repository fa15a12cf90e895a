// Where the local runtime keeps the Cache API's copies while `scripts/serve.mjs` runs (docs/caching.md, "The
// local runtime"). Miniflare puts them in <state>/v3/cache; written there, every stored answer cost fsyncs on
// workerd's only thread. They are disposable (their keys name the catalog version and the build), so on Linux
// with room in /dev/shm each run gets a folder in memory instead, /dev/shm/edge-commerce-cache-<pid>-…, which
// <state>/v3/cache links to while the run lasts (the runtime opens the folder's files by that path as it goes):
// - the folder and the link go when the run exits (also on Ctrl-C, SIGTERM and a closed terminal);
// - a run that could not clean up (killed) leaves both; the next run removes every folder whose process is
//   gone, and a link left pointing at nothing is removed before anything opens the state (the store, and
//   lib/local-d1.ts for the migration, the seed and the demo users: Miniflare fails to create the folder
//   through it);
// - past `EDGE_CACHE_MAX_MB` (256) the copies are purged, as a location's cache evicts: they are rendered again.
// Carts, stock, the database, KV and R2 stay on disk. EDGE_CACHE_ON_DISK=1 keeps the copies on disk too.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statfsSync, statSync, symlinkSync } from "node:fs";
import path from "node:path";

const TMPFS = "/dev/shm";
const NAME = "edge-commerce-cache-";
const MIN_FREE_BYTES = 512 * 2 ** 20;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error?.code === "EPERM";
  }
}

/** Removes the folders of runs whose process is gone (each on its own: one that cannot be removed is skipped). */
function sweepEdgeCaches() {
  if (process.platform !== "linux" || !existsSync(TMPFS)) return;
  for (const name of readdirSync(TMPFS)) {
    if (!name.startsWith(NAME)) continue;
    const pid = Number(name.slice(NAME.length).split("-")[0]);
    if (!pid || alive(pid)) continue;
    try {
      rmSync(path.join(TMPFS, name), { recursive: true, force: true });
    } catch {}
  }
}

/**
 * Removes `<persistRoot>/cache` when it is a link to a folder that is gone (a killed run's, then swept or cleared
 * by a restart): Miniflare, `wrangler d1 --local` and `astro dev` all fail to create the folder through such a
 * link. Run before Miniflare opens the state (here and in lib/local-d1.ts).
 */
export function dropDanglingEdgeCacheLink(persistRoot) {
  const link = path.join(persistRoot, "cache");
  try {
    if (lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink() && !existsSync(link)) rmSync(link, { force: true });
  } catch {}
}

function sizeOf(dir) {
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) bytes += statSync(path.join(entry.parentPath, entry.name), { throwIfNoEntry: false })?.size ?? 0;
  }
  return bytes;
}

/**
 * Links `<persistRoot>/cache` to a fresh folder in memory for this process, or returns undefined (the copies stay
 * on disk). Both go when the process exits. Call `watch(mf)` once the runtime is up to bound the folder's size.
 */
export function placeEdgeCache(persistRoot) {
  sweepEdgeCaches();
  dropDanglingEdgeCacheLink(persistRoot);
  if (process.env.EDGE_CACHE_ON_DISK === "1" || process.platform !== "linux" || !existsSync(TMPFS)) return undefined;
  const link = path.join(persistRoot, "cache");
  let dir;
  try {
    const { bavail, bsize } = statfsSync(TMPFS);
    if (bavail * bsize < MIN_FREE_BYTES) return undefined;
    // A folder of copies left on disk, or a link of an older run: both only hold disposable copies.
    if (lstatSync(link, { throwIfNoEntry: false })) rmSync(link, { recursive: true, force: true });
    mkdirSync(persistRoot, { recursive: true });
    dir = mkdtempSync(path.join(TMPFS, `${NAME}${process.pid}-`));
    symlinkSync(dir, link);
  } catch (error) {
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.warn(`The edge cache stays on disk: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  const dropLink = () => {
    try {
      if (readlinkSync(link) === dir) rmSync(link, { force: true });
    } catch {}
  };
  // Synchronous, on any exit (Miniflare's own signal handling may end the process before an async stop resumes).
  process.on("exit", () => {
    dropLink();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    /** Every minute, purges the copies once they pass EDGE_CACHE_MAX_MB (they are rendered and stored again). */
    watch(mf) {
      const maxBytes = Number(process.env.EDGE_CACHE_MAX_MB ?? 256) * 2 ** 20;
      const timer = setInterval(() => {
        try {
          if (sizeOf(dir) > maxBytes) mf.purgeCache().catch(() => {});
        } catch {}
      }, 60_000);
      timer.unref();
    },
  };
}
