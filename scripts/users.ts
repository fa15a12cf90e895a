// Staff accounts on the LOCAL database (roles are never granted through a request body).
//
//   npm run user:create -- --email ops@example.com --name "Ops" --role admin [--password "…"] [--persist-to DIR]
//   npm run users:demo  [-- --persist-to DIR]     one demo account per role (local development only)
//
// In production, create the first admin by registering and then granting the role with
// `npx wrangler d1 execute DB --remote --command "UPDATE users SET role='admin' WHERE email='…'"`.
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs, parseEnv } from "node:util";
import { hashPassword } from "../worker/accounts/password.ts";
import { passwordProblem } from "../worker/accounts/password-policy.ts";
import { openLocalD1 } from "./lib/local-d1.ts";

const ROLES = ["customer", "vendor", "support", "admin"];
const root = path.resolve(import.meta.dirname, "..");

/** The demo accounts `npm start` creates in local development, and the README lists. */
export const DEMO_ACCOUNTS = [
  { role: "customer", email: "customer@demo.test", name: "Casey Customer", password: "northwind-customer-demo" },
  { role: "vendor", email: "vendor@demo.test", name: "Val Vendor", password: "northwind-vendor-demo" },
  { role: "support", email: "support@demo.test", name: "Sam Support", password: "northwind-support-demo" },
  { role: "admin", email: "admin@demo.test", name: "Ada Admin", password: "northwind-admin-demo" },
];

const [command, ...rest] = process.argv.slice(2);
const { values: args } = parseArgs({
  args: rest,
  options: {
    email: { type: "string" },
    name: { type: "string" },
    role: { type: "string", default: "customer" },
    password: { type: "string" },
    "persist-to": { type: "string", default: ".wrangler/state" },
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

if (command === "create") {
  if (!args.email || !/^[^@\s]+@[^@\s]+$/.test(args.email)) throw new Error("--email is required");
  if (!ROLES.includes(args.role)) throw new Error(`--role must be one of ${ROLES.join(", ")}`);
  const password = args.password ?? randomBytes(12).toString("base64url");
  const problem = passwordProblem(password, { email: args.email });
  if (problem) throw new Error(`--password: ${problem}`);
  const { db, close } = await openLocalD1(args["persist-to"]);
  try {
    const created = await createUser(db, { email: args.email, name: args.name ?? args.email.split("@")[0] ?? "Staff", role: args.role, password });
    if (!created) {
      console.error(`An account with ${args.email} exists already; nothing changed.`);
      process.exitCode = 1;
    } else {
      console.log(`Created ${args.role} ${args.email}${args.password ? "" : ` with password ${password}`}`);
    }
  } finally {
    await close();
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
    console.log(`Demo accounts${created.length ? ` (created ${created.length})` : ""} — local development only:`);
    for (const a of DEMO_ACCOUNTS) console.log(`  ${a.role.padEnd(8)} ${a.email.padEnd(20)} ${a.password}`);
  } finally {
    await close();
  }
} else {
  console.error("Usage: node scripts/users.ts create --email E --role R [--name N] [--password P] | demo");
  process.exit(2);
}
