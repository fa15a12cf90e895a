// Applies pending migrations to the LOCAL database (the one `npm start`, `wrangler dev` and the seed use).
//
//   npm run db:migrate -- [--persist-to .wrangler/state]
import { parseArgs } from "node:util";
import { openLocalD1 } from "./lib/local-d1.ts";
import { applyLocalMigrations } from "./lib/local-migrations.ts";

const { values } = parseArgs({ options: { "persist-to": { type: "string", default: ".wrangler/state" } } });
const local = await openLocalD1(values["persist-to"]);
try {
  const applied = await applyLocalMigrations(local.db);
  console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(", ")}` : "No migrations to apply.");
} finally {
  await local.close();
}
