import { env } from "cloudflare:workers";
import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import * as schema from "../../worker/db/schema";
import * as searchTables from "../../worker/search/tables";

// Migrations are hand-written SQL (migrations/NNNN_*.sql) and the typed queries use the drizzle tables of each
// domain's tables.ts. Nothing else ties the two together: this test compares them on the database the migrations
// built, so a column the code reads but no migration creates (or a NOT NULL column the code never writes) fails
// here instead of as a 500 in production.

interface DbColumn {
  name: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

const tables = ([...Object.values(schema), ...Object.values(searchTables)] as unknown[]).filter((v): v is SQLiteTable => is(v, SQLiteTable));

async function columnsOf(table: string): Promise<DbColumn[]> {
  return (await env.DB.prepare(`PRAGMA table_info("${table}")`).all<DbColumn>()).results;
}

async function indexesOf(table: string): Promise<{ name: string; unique: number }[]> {
  return (await env.DB.prepare(`PRAGMA index_list("${table}")`).all<{ name: string; unique: number }>()).results;
}

describe("the drizzle tables and the migrated database agree", () => {
  it("reads every domain's tables", () => {
    expect(tables.length).toBeGreaterThan(40);
  });

  it("every table and column the code declares exists, with the same NOT NULL", async () => {
    const problems: string[] = [];
    for (const table of tables) {
      const config = getTableConfig(table);
      const db = await columnsOf(config.name);
      if (!db.length) {
        problems.push(`${config.name}: no such table`);
        continue;
      }
      const byName = new Map(db.map((c) => [c.name, c]));
      for (const column of config.columns) {
        const found = byName.get(column.name);
        if (!found) problems.push(`${config.name}.${column.name}: no such column`);
        // SQLite reports a primary key column as nullable unless it says NOT NULL; drizzle counts it as required.
        else if (!column.primary && found.pk === 0 && Boolean(found.notnull) !== column.notNull)
          problems.push(`${config.name}.${column.name}: NOT NULL is ${Boolean(found.notnull)} in the database, ${column.notNull} in tables.ts`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("no NOT NULL column without a default is unknown to the code (its inserts would fail)", async () => {
    const problems: string[] = [];
    for (const table of tables) {
      const config = getTableConfig(table);
      const declared = new Set(config.columns.map((c) => c.name));
      for (const c of await columnsOf(config.name))
        if (c.notnull && c.dflt_value === null && c.pk === 0 && !declared.has(c.name)) problems.push(`${config.name}.${c.name}`);
    }
    expect(problems).toEqual([]);
  });

  it("every unique index the code relies on (upserts, one-of guarantees) exists", async () => {
    const problems: string[] = [];
    for (const table of tables) {
      const config = getTableConfig(table);
      const db = new Map((await indexesOf(config.name)).map((i) => [i.name, i.unique]));
      for (const index of config.indexes) {
        const { name, unique } = index.config;
        if (!db.has(name)) problems.push(`${config.name}: index ${name} missing`);
        else if (unique && db.get(name) !== 1) problems.push(`${config.name}: index ${name} is not unique`);
      }
    }
    expect(problems).toEqual([]);
  });
});
