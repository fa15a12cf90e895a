import { readdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

/**
 * Reads the store's email outbox straight from the local D1 SQLite file of the
 * served store (read-only), the way a developer reads the dev outbox.
 */
function outboxDatabase(persistDir: string): string {
  const dir = path.join(persistDir, "v3/d1/miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (!file) throw new Error(`no D1 database under ${dir}`);
  return path.join(dir, file);
}

/**
 * The newest email of a template to an address (whose subject matches `subject`, if given); waits (up to 15 s)
 * for the queue consumer to deliver it. A template can be sent more than once to one address (a return's
 * updates): `subject` waits for the one a step expects rather than taking an earlier one still the newest. A
 * plain loop rather than `expect.poll`, so set-up hooks (a `beforeAll` signing sellers up) can wait too.
 */
export async function waitForEmail(persistDir: string, to: string, template: string, subject?: RegExp): Promise<{ subject: string; text: string }> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const db = new DatabaseSync(outboxDatabase(persistDir), { readOnly: true });
    let found: { subject: string; text: string } | undefined;
    try {
      const sent = db
        .prepare("select subject, text from email_outbox where to_address = ? and template = ? order by created_at desc")
        .all(to.toLowerCase(), template) as Array<{ subject: string; text: string }>;
      found = sent.find((e) => !subject || subject.test(e.subject));
    } finally {
      db.close();
    }
    if (found) return found;
    if (Date.now() > deadline)
      throw new Error(`no "${template}" email${subject ? ` with a subject matching ${subject}` : ""} to ${to} in the outbox after 15 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The first store link in an email's text, as a path with its query. */
export function linkIn(text: string, pathPrefix: string): string {
  const match = new RegExp(`https?://[^\\s/]+(${pathPrefix.replace(/[/?]/g, "\\$&")}\\S*)`).exec(text);
  if (!match?.[1]) throw new Error(`no ${pathPrefix} link in:\n${text}`);
  return match[1];
}
