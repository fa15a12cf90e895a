import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { markSlaBreaches } from "../../worker/support";
import { json } from "../support/http";
import { type Caller, expectRoleMatrix, send, staffByRole } from "../support/staff";

let staff: Awaited<ReturnType<typeof staffByRole>>;
let shopper: Caller;
beforeAll(async () => {
  staff = await staffByRole();
  shopper = staff.customer;
}, 60_000);

async function openTicket(subject = "Broken zip", who: Record<string, string> = shopper.headers) {
  const res = await send("/api/support/tickets", "POST", who, { subject, message: "The zip broke on day one." });
  expect(res.status).toBe(201);
  return (await json(res)).id as string;
}
const admin = (path: string) => `/api/admin/support${path}`;

describe("who may use the support inbox", () => {
  it("reads: admin and support; writes: holders of the support permission; customers and vendors 403; anonymous 401", async () => {
    const id = await openTicket();
    await expectRoleMatrix(staff, { path: admin("/tickets") }, ["admin", "support"]);
    await expectRoleMatrix(staff, { path: admin(`/tickets/${id}`) }, ["admin", "support"]);
    await expectRoleMatrix(staff, { path: admin(`/tickets/${id}`), method: "PATCH", body: () => ({ tags: ["zip"] }) }, ["admin", "support"]);
    await expectRoleMatrix(staff, { path: admin("/canned-replies"), method: "POST", body: () => ({ title: "Hi", body: "Hello" }), okStatus: 201 }, [
      "admin",
      "support",
    ]);
  });
});

describe("PATCH /api/admin/support/tickets/:id", () => {
  it("moves status along the transition table only, assigns staff, tags; every change is in the history", async () => {
    const id = await openTicket("Refund?");
    const patched = await send(admin(`/tickets/${id}`), "PATCH", staff.support.headers, {
      status: "open",
      priority: "urgent",
      assigneeId: staff.support.id,
      tags: ["Refund", "refund", "zip"],
    });
    expect(patched.status).toBe(200);
    const t = await json(patched);
    expect(t).toMatchObject({ status: "open", priority: "urgent", assigneeId: staff.support.id, tags: ["refund", "zip"] });
    // Urgent: first response due an hour after the ticket was opened.
    expect(Date.parse(t.firstResponseDueAt) - Date.parse(t.createdAt)).toBe(60 * 60_000);
    expect(t.events.map((e: { kind: string }) => e.kind).sort()).toEqual(["assignee", "created", "priority", "status", "tags"]);

    const bad = await send(admin(`/tickets/${id}`), "PATCH", staff.admin.headers, { status: "new" });
    expect(bad.status).toBe(409);
    expect((await json(bad)).code).toBe("support.invalid_transition");
    const notStaff = await send(admin(`/tickets/${id}`), "PATCH", staff.admin.headers, { assigneeId: shopper.id });
    expect(notStaff.status).toBe(400);
    expect((await json(notStaff)).errors[0].path).toBe("assigneeId");
    expect((await send(admin("/tickets/tkt_nope"), "PATCH", staff.admin.headers, { status: "open" })).status).toBe(404);

    const mine = await json(await send(admin("/tickets?assignee=me&tag=zip"), "GET", staff.support.headers));
    expect(mine.items.map((i: { id: string }) => i.id)).toEqual([id]);
  });

  it("two agents changing one ticket at once: one wins, the other gets 409 and writes nothing", async () => {
    const id = await openTicket("Race");
    const [a, b] = await Promise.all([
      send(admin(`/tickets/${id}`), "PATCH", staff.admin.headers, { status: "resolved" }),
      send(admin(`/tickets/${id}`), "PATCH", staff.support.headers, { status: "closed" }),
    ]);
    const statuses = [a.status, b.status].sort();
    const detail = await json(await send(admin(`/tickets/${id}`), "GET", staff.admin.headers));
    const statusEvents = detail.events.filter((e: { kind: string }) => e.kind === "status");
    if (statuses.includes(409)) {
      expect(statuses).toEqual([200, 409]);
      expect(statusEvents).toHaveLength(1);
    } else {
      // Serialized (the second read the first's result): resolved → closed is a legal move.
      expect(statuses).toEqual([200, 200]);
      expect(statusEvents).toHaveLength(2);
    }
  });
});

describe("POST /api/admin/support/tickets/:id/messages", () => {
  it("a reply is emailed with the store's name and a reply address, waits on the customer and stamps the first response; a note is never shown", async () => {
    const id = await openTicket("Colour");
    const note = await send(admin(`/tickets/${id}/messages`), "POST", staff.support.headers, { body: "Customer is a VIP", internal: true });
    expect(note.status).toBe(201);
    expect((await json(note)).status).toBe("new");
    const reply = await send(admin(`/tickets/${id}/messages`), "POST", staff.support.headers, { body: "It comes in blue and red." });
    const t = await json(reply);
    expect(t.status).toBe("waiting_on_customer");
    expect(t.firstRespondedAt).toEqual(expect.any(String));
    expect(t.sla.firstResponse).toBe("met");

    const shopperView = await json(await send(`/api/support/tickets/${id}`, "GET", shopper.headers));
    expect(shopperView.messages.map((m: { body: string }) => m.body)).toEqual(["The zip broke on day one.", "It comes in blue and red."]);

    const msgId = t.messages.at(-1).id;
    await expect
      .poll(
        () =>
          env.DB.prepare("SELECT count(*) AS n FROM email_outbox WHERE id = ?")
            .bind(`support-reply:${msgId}`)
            .first<{ n: number }>()
            .then((r) => r?.n),
        {
          timeout: 15_000,
        },
      )
      .toBe(1);
    const mail = await env.DB.prepare("SELECT to_address, subject, text, payload FROM email_outbox WHERE id = ?")
      .bind(`support-reply:${msgId}`)
      .first<{ to_address: string; subject: string; text: string; payload: string }>();
    expect(mail?.to_address).toBe(shopper.email);
    expect(mail?.text).toContain("It comes in blue and red.");
    expect(mail?.text).toContain("Northwind Goods");
    expect(JSON.parse(mail?.payload ?? "{}").data.replyTo).toMatch(/^support\+tkt_\w+\.[0-9a-f]{24}@help\.store\.test$/);
    // Only the reply was emailed, never the note.
    const count = await env.DB.prepare("SELECT count(*) AS n FROM email_outbox WHERE id LIKE 'support-reply:%' AND text LIKE '%VIP%'").first<{ n: number }>();
    expect(count?.n).toBe(0);

    // The shopper answers: the ticket is open again.
    const answered = await json(await send(`/api/support/tickets/${id}/messages`, "POST", shopper.headers, { body: "Blue please" }));
    expect(answered.status).toBe("open");
  });

  it("a resolved ticket is reopened by the shopper's reply", async () => {
    const id = await openTicket("Reopen me");
    await send(admin(`/tickets/${id}`), "PATCH", staff.admin.headers, { status: "resolved" });
    const again = await json(await send(`/api/support/tickets/${id}/messages`, "POST", shopper.headers, { body: "Still broken" }));
    expect(again.status).toBe("reopened");
  });
});

describe("merge, search, canned replies, SLA timer", () => {
  it("merges a duplicate of the same customer: messages move, the duplicate closes and points there; other customers refused", async () => {
    const first = await openTicket("Dup A");
    const second = await openTicket("Dup B");
    const foreign = await openTicket("Other", staff.vendor.headers);
    const merged = await send(admin(`/tickets/${second}/merge`), "POST", staff.support.headers, { intoId: first });
    expect(merged.status).toBe(200);
    const into = await json(merged);
    expect(into.id).toBe(first);
    expect(into.messages).toHaveLength(2);
    const dup = await json(await send(admin(`/tickets/${second}`), "GET", staff.support.headers));
    expect(dup).toMatchObject({ status: "closed", mergedIntoId: first });
    expect((await send(admin(`/tickets/${second}/merge`), "POST", staff.support.headers, { intoId: first })).status).toBe(409);
    expect((await send(admin(`/tickets/${foreign}/merge`), "POST", staff.support.headers, { intoId: first })).status).toBe(409);
    // A reply to the merged ticket's link lands on the ticket it was merged into.
    await send(`/api/support/tickets/${second}/messages`, "POST", shopper.headers, { body: "On the old thread" });
    const after = await json(await send(admin(`/tickets/${first}`), "GET", staff.support.headers));
    expect(after.messages.at(-1).body).toBe("On the old thread");
  });

  it("search finds by reference, email and subject words", async () => {
    const id = await openTicket("Unusual gizmo question");
    const ref = (await json(await send(admin(`/tickets/${id}`), "GET", staff.admin.headers))).reference;
    for (const q of [ref, "gizmo", shopper.email.slice(0, 6)]) {
      const found = await json(await send(admin(`/tickets?q=${encodeURIComponent(q)}`), "GET", staff.admin.headers));
      expect(
        found.items.map((i: { id: string }) => i.id),
        q,
      ).toContain(id);
    }
    expect((await send(admin("/tickets?status=nope"), "GET", staff.admin.headers)).status).toBe(400);
  });

  it("canned replies: create, list, delete", async () => {
    const made = await json(await send(admin("/canned-replies"), "POST", staff.support.headers, { title: "Returns", body: "You can return within 30 days." }));
    const list = await json(await send(admin("/canned-replies"), "GET", staff.support.headers));
    expect(list.items.map((r: { title: string }) => r.title)).toContain("Returns");
    expect((await send(admin(`/canned-replies/${made.id}`), "DELETE", staff.support.headers)).status).toBe(204);
    expect((await send(admin(`/canned-replies/${made.id}`), "DELETE", staff.support.headers)).status).toBe(404);
  });

  it("the SLA timer stamps breaches once and the inbox filter shows them", async () => {
    const id = await openTicket("Slow");
    const later = new Date(Date.now() + 9 * 60 * 60_000); // past the normal 8 h first-response target
    expect(await markSlaBreaches(env, later)).toBeGreaterThan(0);
    expect(await markSlaBreaches(env, later)).toBe(0);
    const t = await json(await send(admin(`/tickets/${id}`), "GET", staff.admin.headers));
    expect(t.sla.firstResponse).toBe("breached");
    expect(t.events.filter((e: { kind: string }) => e.kind === "sla_breached")).toHaveLength(1);
    const breached = await json(await send(admin("/tickets?breached=true&perPage=100"), "GET", staff.admin.headers));
    expect(breached.items.map((i: { id: string }) => i.id)).toContain(id);
  });
});
