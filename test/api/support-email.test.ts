import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { replyAddress, stripQuotedText } from "../../worker/support";
import worker from "../../worker/test-entry";
import { json } from "../support/http";
import { type Caller, send, signIn } from "../support/staff";

/** A real multipart reply as a mail client writes it: quoted-printable text and HTML, the quote below the answer. */
function mimeReply(o: { from: string; to: string; messageId: string; text: string }) {
  return [
    `From: Shopper <${o.from}>`,
    `To: ${o.to}`,
    "Subject: Re: [T-1001] Broken zip",
    `Message-ID: <${o.messageId}>`,
    "Date: Thu, 03 Dec 2026 01:00:00 +0000",
    "MIME-Version: 1.0",
    'Content-Type: multipart/alternative; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: quoted-printable",
    "",
    o.text,
    "",
    "On Wed, Dec 2, 2026 at 9:00 PM Northwind Goods <support@help.store.test> wrote:",
    "> Could you send a photo of the zip?",
    ">",
    "> Thanks",
    "",
    "--b1",
    "Content-Type: text/html; charset=utf-8",
    "",
    `<div>${o.text}</div><blockquote>Could you send a photo of the zip?</blockquote>`,
    "--b1--",
    "",
  ].join("\r\n");
}

function inbound(from: string, to: string, raw: string) {
  const rejected: string[] = [];
  const bytes = new TextEncoder().encode(raw);
  const message = {
    from,
    to,
    raw: new Response(bytes).body as ReadableStream,
    rawSize: bytes.length,
    headers: new Headers(),
    setReject: (reason: string) => rejected.push(reason),
    forward: async () => ({ messageId: "" }),
    reply: async () => ({ messageId: "" }),
  };
  return { message: message as unknown as ForwardableEmailMessage, rejected };
}

async function deliver(from: string, to: string, raw: string) {
  const { message, rejected } = inbound(from, to, raw);
  const ctx = createExecutionContext();
  await worker.email?.(message, env, ctx);
  await waitOnExecutionContext(ctx);
  return rejected;
}

let shopper: Caller;
let agent: Caller;
beforeAll(async () => {
  [shopper, agent] = await Promise.all([signIn("customer"), signIn("support")]);
}, 60_000);

describe("the ticket email loop", () => {
  it("a staff reply is emailed with a signed reply address; the shopper's MIME reply lands on the ticket, quote stripped, once", async () => {
    const id = (await json(await send("/api/support/tickets", "POST", shopper.headers, { subject: "Broken zip", message: "It broke." }))).id;
    const staffReply = await json(
      await send(`/api/admin/support/tickets/${id}/messages`, "POST", agent.headers, { body: "Could you send a photo of the zip?" }),
    );
    const outboxId = `support-reply:${staffReply.messages.at(-1).id}`;
    await expect.poll(() => env.DB.prepare("SELECT payload FROM email_outbox WHERE id = ?").bind(outboxId).first(), { timeout: 15_000 }).not.toBeNull();
    const payload = await env.DB.prepare("SELECT payload FROM email_outbox WHERE id = ?").bind(outboxId).first<{ payload: string }>();
    const replyTo = JSON.parse(payload?.payload ?? "{}").data.replyTo as string;
    expect(replyTo).toMatch(/^support\+tkt_/);

    const raw = mimeReply({ from: shopper.email, to: replyTo, messageId: "reply-1@mail.example", text: "Here it is =E2=80=94 the pull came off." });
    expect(await deliver(shopper.email, replyTo, raw)).toEqual([]);
    // Delivered again (Email Routing retries): stored once.
    expect(await deliver(shopper.email, replyTo, raw)).toEqual([]);

    const t = await json(await send(`/api/admin/support/tickets/${id}`, "GET", agent.headers));
    expect(t.status).toBe("open");
    const fromEmail = t.messages.filter((m: { source: string }) => m.source === "email");
    expect(fromEmail).toEqual([expect.objectContaining({ authorType: "customer", body: "Here it is — the pull came off." })]);
  });

  it("refuses a forged address, another sender, and an unknown ticket", async () => {
    const id = (await json(await send("/api/support/tickets", "POST", shopper.headers, { subject: "Forgery", message: "Hi" }))).id;
    const raw = (to: string, from = shopper.email) => mimeReply({ from, to, messageId: `m-${Math.random()}@x`, text: "Sneaky" });
    const forged = `support+${id}.${"0".repeat(24)}@help.store.test`;
    expect(await deliver(shopper.email, forged, raw(forged))).toEqual(["Unknown address"]);
    expect(await deliver(shopper.email, "support@help.store.test", raw("support@help.store.test"))).toEqual(["Unknown address"]);

    const replyTo = (await replyAddress(env, id)) as string;
    expect(await deliver(shopper.email, replyTo, raw(replyTo))).toEqual([]);
    expect(await deliver("mallory@example.test", replyTo, raw(replyTo, "mallory@example.test"))).toEqual(["Send from the address the ticket belongs to"]);
  });
});

describe("stripQuotedText", () => {
  it("keeps only the new part of the common reply shapes", () => {
    expect(stripQuotedText("Thanks!\n\nOn Tue, 1 Dec 2026, Shop <a@b.c> wrote:\n> old")).toBe("Thanks!");
    expect(stripQuotedText("Yes\r\n-----Original Message-----\r\nFrom: x")).toBe("Yes");
    expect(stripQuotedText("Sure\nFrom: Shop <a@b.c>\nSent: Monday\nold")).toBe("Sure");
    expect(stripQuotedText("Ok\n-- \nAda\nSent from my phone")).toBe("Ok");
    expect(stripQuotedText("Line one\nLine two")).toBe("Line one\nLine two");
  });
});
