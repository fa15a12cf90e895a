import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dropDanglingEdgeCacheLink } from "../../scripts/lib/edge-cache.mjs";

// `npm start` and `npm run dev` begin by dropping a link to the edge cache's folder in memory that points at a
// folder gone since (a run killed while it started, then the folder swept or the machine restarted): the migration
// and the seed would fail to open the state through it. Anything else at that path is left alone.
const root = mkdtempSync(path.join(tmpdir(), "edge-commerce-link-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function state(name: string): string {
  const v3 = path.join(root, name, "v3");
  mkdirSync(v3, { recursive: true });
  return v3;
}

describe("dropDanglingEdgeCacheLink", () => {
  it("removes a link to a folder that is gone", () => {
    const v3 = state("dangling");
    symlinkSync(path.join(root, "gone"), path.join(v3, "cache"));
    dropDanglingEdgeCacheLink(v3);
    expect(lstatSync(path.join(v3, "cache"), { throwIfNoEntry: false })).toBeUndefined();
  });

  it("keeps a link whose folder exists (a run in progress), a plain folder of copies, and a state without either", () => {
    const live = state("live");
    const target = path.join(root, "target");
    mkdirSync(target);
    symlinkSync(target, path.join(live, "cache"));
    dropDanglingEdgeCacheLink(live);
    expect(lstatSync(path.join(live, "cache")).isSymbolicLink()).toBe(true);

    const disk = state("disk");
    mkdirSync(path.join(disk, "cache"));
    dropDanglingEdgeCacheLink(disk);
    expect(lstatSync(path.join(disk, "cache")).isDirectory()).toBe(true);

    const empty = state("empty");
    dropDanglingEdgeCacheLink(empty);
    expect(existsSync(path.join(empty, "cache"))).toBe(false);
  });
});
