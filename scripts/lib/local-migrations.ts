// Applies the pending migrations of `migrations/` to a local D1 database in this process, and records each in
// `d1_migrations` exactly as `wrangler d1 migrations apply --local` does (same table, same names), so wrangler, the
// seed and `npm start` agree on what is applied. `wrangler d1 migrations apply --local` starts the local runtime
// once per migration (about a second each); this opens it once, which is what makes a fresh store quick to seed.
// Statements are split by the same SQL splitter the workers tests use (`readD1Migrations`), which keeps trigger
// bodies whole. Production still migrates with `wrangler d1 migrations apply --remote` (`npm run deploy`).
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
export const MIGRATIONS_DIR = path.join(root, "migrations");

/** Applies every migration not yet in `d1_migrations`, oldest first, each in one batch with its bookkeeping row; returns their names. */
export async function applyLocalMigrations(db: D1Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  const { readD1Migrations } = await import("@cloudflare/vitest-plugin");
  await db
    .prepare(
      `CREATE TABLE IF NOT EXISTS d1_migrations(
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         name TEXT UNIQUE,
         applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`,
    )
    .run();
  const { results } = await db.prepare("SELECT name FROM d1_migrations").all<{ name: string }>();
  const applied = new Set(results.map((r) => r.name));
  const pending = (await readD1Migrations(dir)).filter((m) => !applied.has(m.name));
  for (const migration of pending) {
    // A file with only comments is recorded as applied, as wrangler does, without running anything.
    const queries = migration.queries.filter((q) => q.replace(/--.*$/gm, "").trim());
    await db.batch([...queries.map((q) => db.prepare(q)), db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(migration.name)]);
  }
  return pending.map((m) => m.name);
}
