import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EmailMessage } from "../../worker/notifications/schema";
import worker from "../../worker/test-entry";
import { send, signIn } from "../support/staff";

async function deliver(body: EmailMessage) {
  const batch = createMessageBatch(env.QUEUE_EMAIL, [{ id: `q-${body.id}`, timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await worker.queue?.(batch, env, ctx);
  await waitOnExecutionContext(ctx);
  return getQueueResult(batch, ctx);
}

describe("emails say the store name kept in Settings", () => {
  it("uses the name an admin saved, not the deploy-time STORE_NAME", async () => {
    expect(env.STORE_NAME).toBe("Northwind Goods");
    const admin = await signIn("admin");
    const saved = await send("/api/admin/settings/store", "PATCH", admin.headers, { storeName: "Harbor & Pine" });
    expect(saved.status).toBe(200);

    const result = await deliver({ id: "store-name-welcome", template: "welcome", to: "new@shopper.test", data: { name: "Ada" } });
    expect(result.explicitAcks).toEqual(["q-store-name-welcome"]);
    const row = await env.DB.prepare("select subject, text, html from email_outbox where id = ?")
      .bind("store-name-welcome")
      .first<{ subject: string; text: string; html: string }>();
    expect(row?.subject).toBe("Welcome to Harbor & Pine");
    expect(row?.text).toContain("Harbor & Pine");
    expect(row?.text).not.toContain("Northwind Goods");
    expect(row?.html).toContain("Harbor &amp; Pine");
  });
});
