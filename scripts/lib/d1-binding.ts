// The local D1 database the scripts open: the `DB` binding of wrangler.toml's top-level `[[d1_databases]]`, named
// the way wrangler names its local file (`preview_database_id`, else `database_id`, else the binding), so the
// scripts, `wrangler d1 ... --local` and `wrangler dev` all open the same file. Read with a TOML parser rather than
// wrangler's config reader: importing wrangler took ~2 s per script run, which every seeded test store paid.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";

const root = path.resolve(import.meta.dirname, "../..");

export interface LocalD1Binding {
  /** The id wrangler keys the local database file by. */
  databaseId: string;
  /** The migrations folder (absolute). */
  migrationsDir: string;
}

export function localD1Binding(configPath = path.join(root, "wrangler.toml")): LocalD1Binding {
  const config = parse(readFileSync(configPath, "utf8")) as {
    d1_databases?: { binding: string; database_id?: string; preview_database_id?: string; migrations_dir?: string }[];
  };
  const d1 = config.d1_databases?.find((d) => d.binding === "DB");
  if (!d1) throw new Error('wrangler.toml has no D1 database bound as "DB"');
  return {
    databaseId: d1.preview_database_id ?? d1.database_id ?? d1.binding,
    migrationsDir: path.resolve(path.dirname(configPath), d1.migrations_dir ?? "migrations"),
  };
}
