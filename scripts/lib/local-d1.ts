// Opens the LOCAL D1 database exactly as `wrangler d1 execute --local` does: Miniflare
// from the wrangler this project uses, the same state folder and database id, so the
// file written here is the one `npm start`, `wrangler dev` and `astro dev` read.
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

export interface LocalD1 {
  db: D1Database;
  close(): Promise<void>;
}

export async function openLocalD1(persistTo: string): Promise<LocalD1> {
  const require = createRequire(import.meta.url);
  const wranglerPackage = require.resolve("wrangler/package.json");
  const { unstable_readConfig } = await import("wrangler");
  const { Miniflare, convertV4MiniflareOptions } = await import(createRequire(wranglerPackage).resolve("miniflare"));
  const config: { d1_databases: { binding: string; database_id?: string; preview_database_id?: string }[] } = unstable_readConfig({
    config: path.join(root, "wrangler.toml"),
  });
  const d1 = config.d1_databases.find((d) => d.binding === "DB");
  if (!d1) throw new Error('wrangler.toml has no D1 database bound as "DB"');
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      script: "",
      resourcePersistencePath: path.join(path.resolve(persistTo), "v3"),
      d1Databases: { DB: d1.preview_database_id ?? d1.database_id ?? d1.binding },
    }),
  );
  const db: D1Database = await mf.getD1Database("DB");
  return { db, close: () => mf.dispose() };
}
