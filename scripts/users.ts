// Staff accounts (roles are never granted through a request body).
//
//   npm run user:create -- --email ops@example.com --name "Ops" --role admin [--password "…"] [--persist-to DIR]
//   npm run user:create -- --remote [--env staging] --email owner@shop.example --role admin
//                                  the deployed store's D1 (through `wrangler d1 execute --remote`; sign in with
//                                  `npx wrangler login` first): how a new store gets its first admin
//   npm run users:demo  [-- --persist-to DIR]     one demo account per role (local development only)
//
// The password is hashed here, on this machine, with the same scrypt parameters the Worker uses; only the hash
// travels to the database.
import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs, parseEnv } from "node:util";
import { hashPassword } from "../worker/accounts/password.ts";
import { passwordProblem } from "../worker/accounts/password-policy.ts";
import { importWorkerCode } from "./lib/import-worker-code.mjs";
import { openLocalD1 } from "./lib/local-d1.ts";
import { DEMO_SELLERS, type DemoPayoutRunner, seedDemoMarketplace } from "./seed/marketplace.ts";

const ROLES = ["customer", "vendor", "support", "admin"];
const root = path.resolve(import.meta.dirname, "..");

/** The demo accounts `npm start` creates in local development, and the README lists. */
export const DEMO_ACCOUNTS = [
  { role: "customer", email: "customer@demo.test", name: "Casey Customer", password: "northwind-customer-demo" },
  { role: "vendor", email: "vendor@demo.test", name: "Val Vendor", password: "northwind-vendor-demo" },
  // The owners of the other demo sellers (scripts/seed/marketplace.ts).
  ...DEMO_SELLERS.slice(1).map((s) => ({ role: "vendor", ...s.owner })),
  { role: "support", email: "support@demo.test", name: "Sam Support", password: "northwind-support-demo" },
  { role: "admin", email: "admin@demo.test", name: "Ada Admin", password: "northwind-admin-demo" },
];

/**
 * The demo's payouts through the store's own payout code: scripts/seed/demo-payouts.ts bundled for Node with
 * esbuild (the Worker's modules import without extensions; `scripts/lib/import-worker-code.mjs`, as
 * `npm run sdk` does), run against the local D1.
 */
async function demoPayoutRunner(db: D1Database): Promise<DemoPayoutRunner> {
  const { demoPayouts } = (await importWorkerCode(path.join(root, "scripts/seed/demo-payouts.ts"))) as typeof import("./seed/demo-payouts.ts");
  return demoPayouts({ DB: db } as unknown as Env);
}

const [command, ...rest] = process.argv.slice(2);
const { values: args } = parseArgs({
  args: rest,
  options: {
    email: { type: "string" },
    name: { type: "string" },
    role: { type: "string", default: "customer" },
    password: { type: "string" },
    "persist-to": { type: "string", default: ".wrangler/state" },
    remote: { type: "boolean", default: false },
    env: { type: "string" },
    // Runs the local path through `wrangler d1 execute --local` too: the exact statement --remote sends (tests).
    "through-wrangler": { type: "boolean", default: false },
  },
});

function environment(): string {
  if (process.env.ENVIRONMENT) return process.env.ENVIRONMENT;
  const file = path.join(root, ".dev.vars");
  return (existsSync(file) && parseEnv(readFileSync(file, "utf8")).ENVIRONMENT) || "production";
}

function newUserId(): string {
  return `usr_${randomUUID().replace(/-/g, "").slice(0, 26)}`;
}

async function createUser(db: D1Database, user: { email: string; name: string; role: string; password: string }): Promise<boolean> {
  const result = await db
    .prepare("insert into users (id, email, name, role, password_hash, email_verified_at) values (?, ?, ?, ?, ?, ?) on conflict(email) do nothing")
    .bind(newUserId(), user.email.toLowerCase(), user.name, user.role, await hashPassword(user.password), new Date().toISOString())
    .run();
  return (result.meta.changes ?? 0) > 0;
}

/** A SQL string literal (D1's `wrangler d1 execute` takes no bound parameters). */
function sqlText(value: string): string {
  if (value.includes("\0")) throw new Error("NUL characters are not allowed");
  return `'${value.replaceAll("'", "''")}'`;
}

/** The one statement that creates an account unless the email is taken; RETURNING tells which. */
function createUserStatement(user: { id: string; email: string; name: string; role: string; passwordHash: string; now: string }): string {
  const values = [user.id, user.email.toLowerCase(), user.name, user.role, user.passwordHash, user.now].map(sqlText).join(", ");
  return `INSERT INTO users (id, email, name, role, password_hash, email_verified_at) VALUES (${values}) ON CONFLICT(email) DO NOTHING RETURNING id;`;
}

/** Creates the account through `wrangler d1 execute` (remote, or local with --through-wrangler). */
async function createUserThroughWrangler(user: { email: string; name: string; role: string; password: string }): Promise<boolean> {
  const dir = mkdtempSync(path.join(tmpdir(), "edge-commerce-user-"));
  const file = path.join(dir, "create-user.sql");
  try {
    writeFileSync(file, createUserStatement({ id: newUserId(), ...user, passwordHash: await hashPassword(user.password), now: new Date().toISOString() }));
    const target = args.remote ? ["--remote"] : ["--local", "--persist-to", args["persist-to"]];
    const result = spawnSync(
      process.execPath,
      [
        path.join(root, "node_modules/wrangler/bin/wrangler.js"),
        "d1",
        "execute",
        "DB",
        ...target,
        ...(args.env ? ["--env", args.env] : []),
        "--file",
        file,
        "--json",
        "--yes",
      ],
      { cwd: root, encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
    );
    if (result.status !== 0) throw new Error(`wrangler d1 execute failed:\n${result.stderr || result.stdout}`);
    const answer = JSON.parse(result.stdout.slice(result.stdout.indexOf("["))) as { results?: unknown[] }[];
    return answer.some((r) => (r.results?.length ?? 0) > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (command === "create") {
  if (!args.email || !/^[^@\s]+@[^@\s]+$/.test(args.email)) throw new Error("--email is required");
  if (!ROLES.includes(args.role)) throw new Error(`--role must be one of ${ROLES.join(", ")}`);
  const password = args.password ?? randomBytes(12).toString("base64url");
  const problem = passwordProblem(password, { email: args.email });
  if (problem) throw new Error(`--password: ${problem}`);
  const user = { email: args.email, name: args.name ?? args.email.split("@")[0] ?? "Staff", role: args.role, password };
  let created: boolean;
  if (args.remote || args["through-wrangler"]) {
    created = await createUserThroughWrangler(user);
  } else {
    const { db, close } = await openLocalD1(args["persist-to"]);
    try {
      created = await createUser(db, user);
    } finally {
      await close();
    }
  }
  const where = args.remote ? ` in the deployed database${args.env ? ` (${args.env})` : ""}` : "";
  if (!created) {
    console.error(`An account with ${args.email} exists already${where}; nothing changed.`);
    process.exitCode = 1;
  } else {
    console.log(`Created ${args.role} ${args.email}${where}${args.password ? "" : ` with password ${password}`}`);
    if (args.role !== "customer") console.log("Staff add an authenticator app at their first sign-in (the store requires a second factor by default).");
  }
} else if (command === "demo") {
  if (environment() === "production") {
    console.error("Refusing to create demo accounts: ENVIRONMENT is production.");
    process.exit(1);
  }
  const { db, close } = await openLocalD1(args["persist-to"]);
  try {
    const created: string[] = [];
    for (const account of DEMO_ACCOUNTS) if (await createUser(db, account)) created.push(account.email);
    const file = path.join(root, ".dev.vars");
    // The key ring the store will read the demo orders' addresses with: the environment's (a test store's), else .dev.vars'.
    const piiKeys = process.env.PII_KEYS ?? (existsSync(file) ? parseEnv(readFileSync(file, "utf8")).PII_KEYS : undefined);
    const started = performance.now();
    const market = await seedDemoMarketplace(db, { piiKeys, payouts: await demoPayoutRunner(db) });
    const took = ((performance.now() - started) / 1000).toFixed(1);
    for (const s of DEMO_SELLERS.filter((s) => market.sellers.includes(s.id)))
      console.log(`Demo seller "${s.name}" (/v/${s.handle}), owned by ${s.owner.email}.`);
    if (market.orders)
      console.log(`Wrote ${market.orders} demo marketplace orders (vendor orders, parcels and seller ledgers); the marketplace took ${took} s.`);
    if (market.payouts) console.log(`Paid ${market.payouts} demo sellers through the payouts (manual, marked paid with a bank reference).`);
    console.log(`Demo accounts${created.length ? ` (created ${created.length})` : ""} — local development only:`);
    for (const a of DEMO_ACCOUNTS) console.log(`  ${a.role.padEnd(8)} ${a.email.padEnd(20)} ${a.password}`);
    console.log("  Staff add an authenticator at their first sign-in (the page shows the key; `npm run totp -- <key>` prints codes).");
  } finally {
    await close();
  }
} else {
  console.error("Usage: node scripts/users.ts create --email E --role R [--name N] [--password P] [--remote [--env NAME]] | demo");
  process.exit(2);
}
