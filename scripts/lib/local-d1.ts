// Opens the LOCAL D1 database exactly as `wrangler d1 execute --local` does: Miniflare
// from the wrangler this project uses, the same state folder and database id, so the
// file written here is the one `npm start`, `wrangler dev` and `astro dev` read.
import { createRequire } from "node:module";
import path from "node:path";
import { localD1Binding } from "./d1-binding.ts";
import { dropDanglingEdgeCacheLink } from "./edge-cache.mjs";

export interface LocalD1 {
  db: D1Database;
  close(): Promise<void>;
}

export async function openLocalD1(persistTo: string): Promise<LocalD1> {
  const require = createRequire(import.meta.url);
  const wranglerPackage = require.resolve("wrangler/package.json");
  const { Miniflare, convertV4MiniflareOptions } = await import(createRequire(wranglerPackage).resolve("miniflare"));
  const { databaseId } = localD1Binding();
  // A killed store's link to its edge-cache folder in memory, once that folder is gone, would fail Miniflare's start.
  dropDanglingEdgeCacheLink(path.join(path.resolve(persistTo), "v3"));
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      script: "",
      resourcePersistencePath: path.join(path.resolve(persistTo), "v3"),
      d1Databases: { DB: databaseId },
    }),
  );
  const db: D1Database = await mf.getD1Database("DB");
  return { db, close: () => mf.dispose() };
}
