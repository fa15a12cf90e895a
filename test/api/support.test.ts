import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, json } from "../support/http";
import { insertOrder } from "../support/orders";
import { type Caller, send, signIn } from "../support/staff";

const outbox = (id: string) =>
  env.DB.prepare("SELECT to_address, subject, text, payload FROM email_outbox WHERE id = ?")
    .bind(id)
    .first<{ to_address: string; subject: string; text: string; payload: string }>();
const emailed = (id: string) => expect.poll(() => outbox(id), { timeout: 15_000, interval: 200 }).not.toBeNull();

let shopper: Caller;
let other: Caller;
beforeAll(async () => {
  [shopper, other] = await Promise.all([signIn("customer"), signIn("customer")]);
}, 60_000);

describe("POST /api/support/tickets", () => {
  it("a guest gives an email; the ticket's link is emailed (with the signed reply address) and opens the ticket", async () => {
    const res = await send(
      "/api/support/tickets",
      "POST",
      {},
      { subject: "Where is my parcel?", message: "It has been a week.", email: "Guest@Example.test", name: "Gus" },
    );
    expect(res.status).toBe(201);
    const created = await json(res);
    expect(created).toMatchObject({ status: "new", verification: "email_link_sent", reference: expect.stringMatching(/^T-\d+$/) });
    expect(created).not.toHaveProperty("token");

    await emailed(`support-received:${created.id}`);
    const mail = await outbox(`support-received:${created.id}`);
    expect(mail?.to_address).toBe("guest@example.test");
    expect(mail?.subject).toContain(created.reference);
    expect(JSON.parse(mail?.payload ?? "{}").data.replyTo).toMatch(new RegExp(`^support\\+${created.id}\\.[0-9a-f]{24}@help\\.store\\.test$`));
    const link = /https?:\/\/\S+\/support\/tickets\/(tkt_\w+)\?token=(\w+)/.exec(mail?.text ?? "");
    expect(link?.[1]).toBe(created.id);

    // Without the token the ticket stays closed to anyone; with it, the guest reads it.
    expect((await call(`/api/support/tickets/${created.id}`)).status).toBe(401);
    expect((await call(`/api/support/tickets/${created.id}?token=${"0".repeat(40)}`)).status).toBe(404);
    const read = await call(`/api/support/tickets/${created.id}?token=${link?.[2]}`);
    expect(read.status).toBe(200);
    const ticket = await json(read);
    expect(ticket.messages).toEqual([expect.objectContaining({ authorType: "customer", authorName: "Gus", body: "It has been a week.", internal: false })]);
  });

  it("400 names every invalid field; a guest must give an email; unknown fields are refused", async () => {
    const res = await send("/api/support/tickets", "POST", {}, { subject: "", message: "x".repeat(5001), extra: 1 });
    expect(res.status).toBe(400);
    const paths = (await json(res)).errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["subject", "message", "extra"]));
    const noEmail = await send("/api/support/tickets", "POST", {}, { subject: "Hi", message: "Hello" });
    expect(noEmail.status).toBe(400);
    expect((await json(noEmail)).errors).toEqual([{ path: "email", message: expect.any(String) }]);
  });

  it("links the caller's own order; another shopper's order answers 404", async () => {
    const order = await insertOrder("paid");
    const guest = await send(
      "/api/support/tickets",
      "POST",
      {},
      { subject: "Order help", message: "Wrong colour", email: "table@example.test", orderId: order.id, orderToken: order.token },
    );
    expect(guest.status).toBe(201);
    const row = await env.DB.prepare("SELECT order_id FROM support_tickets WHERE id = ?")
      .bind((await json(guest)).id)
      .first<{ order_id: string }>();
    expect(row?.order_id).toBe(order.id);
    const stranger = await send("/api/support/tickets", "POST", shopper.headers, { subject: "Order help", message: "Mine?", orderId: order.id });
    expect(stranger.status).toBe(404);
    expect((await json(stranger)).code).toBe("support.order_not_found");
  });
});

describe("GET /api/support/tickets and replies", () => {
  it("a signed-in shopper sees only their own tickets, reads and answers them; others get 404", async () => {
    const made = await json(await send("/api/support/tickets", "POST", shopper.headers, { subject: "Size question", message: "Does the M fit?" }));
    expect(made.verification).toBe("account");
    await send("/api/support/tickets", "POST", other.headers, { subject: "Not yours", message: "Other shopper" });

    const list = await json(await send("/api/support/tickets", "GET", shopper.headers));
    expect(list.items.map((t: { subject: string }) => t.subject)).toEqual(["Size question"]);
    expect((await send("/api/support/tickets", "GET", {})).status).toBe(401);

    expect((await send(`/api/support/tickets/${made.id}`, "GET", other.headers)).status).toBe(404);
    expect((await send(`/api/support/tickets/${made.id}/messages`, "POST", other.headers, { body: "hijack" })).status).toBe(404);
    expect((await send(`/api/support/tickets/tkt_missing/messages`, "GET", shopper.headers)).status).toBe(404);

    const reply = await send(`/api/support/tickets/${made.id}/messages`, "POST", shopper.headers, { body: "Also, do you ship to Canada?" });
    expect(reply.status).toBe(201);
    const after = await json(reply);
    expect(after.messages.map((m: { body: string }) => m.body)).toEqual(["Does the M fit?", "Also, do you ship to Canada?"]);
    expect((await send(`/api/support/tickets/${made.id}/messages`, "POST", shopper.headers, { body: "" })).status).toBe(400);
  });
});
