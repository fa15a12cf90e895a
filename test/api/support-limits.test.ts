import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../worker/lib/errors";
import { countSupportStart, SUPPORT_LIMITS, supportLimits } from "../../worker/support/limits";
import { freshIp, json } from "../support/http";
import { type Caller, send, signIn } from "../support/staff";

let shopper: Caller;
beforeAll(async () => {
  shopper = await signIn("customer");
}, 60_000);

const ticket = (headers: Record<string, string>, extra: Record<string, unknown> = {}) =>
  send("/api/support/tickets", "POST", headers, { subject: "Question", message: "Hello there.", ...extra });
const chat = (headers: Record<string, string>, extra: Record<string, unknown> = {}) => send("/api/support/chats", "POST", headers, extra);

async function expectLimited(res: Response) {
  expect(res.status).toBe(429);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  expect((await json(res)).code).toBe("support.rate_limited");
}

describe("ticket creation is rate-limited", () => {
  it("per guest email address: the next one over the limit is 429 with Retry-After; another address is not held back", async () => {
    const { limit } = SUPPORT_LIMITS.ticket.sender;
    const results = await Promise.all(Array.from({ length: limit + 2 }, () => ticket({}, { email: "flood@example.test" })));
    // Counted atomically: of requests sent at once exactly `limit` pass, whatever the order.
    expect(results.filter((r) => r.status === 201)).toHaveLength(limit);
    expect(results.filter((r) => r.status === 429)).toHaveLength(2);
    await expectLimited(await ticket({}, { email: "FLOOD@example.test" }));
    expect((await ticket({}, { email: "calm@example.test" })).status).toBe(201);
  });

  it("per account, whatever name is given", async () => {
    const { limit } = SUPPORT_LIMITS.ticket.sender;
    for (let i = 0; i < limit; i++) expect((await ticket(shopper.headers, { name: `Name ${i}` })).status).toBe(201);
    await expectLimited(await ticket(shopper.headers, { name: "Another name" }));
  });

  it("per network address, across different emails", async () => {
    const { limit } = SUPPORT_LIMITS.ticket.address;
    const ip = freshIp();
    for (let i = 0; i < limit; i++) expect((await ticket({ "CF-Connecting-IP": ip }, { email: `visitor${i}@example.test` })).status).toBe(201);
    await expectLimited(await ticket({ "CF-Connecting-IP": ip }, { email: "one-more@example.test" }));
    expect((await ticket({ "CF-Connecting-IP": freshIp() }, { email: "one-more@example.test" })).status).toBe(201);
  });
});

describe("chat start is rate-limited", () => {
  it("per account, and a refused start leaves no chat behind", async () => {
    const { limit } = SUPPORT_LIMITS.chat.sender;
    const who = await signIn("customer");
    for (let i = 0; i < limit; i++) expect((await chat(who.headers)).status).toBe(201);
    await expectLimited(await chat(who.headers));
    const chats = await env.DB.prepare("select count(*) as n from support_chats where customer_user_id = ?").bind(who.id).first<{ n: number }>();
    expect(chats?.n).toBe(limit);
  });

  it("per guest email, from any network address", async () => {
    const { limit } = SUPPORT_LIMITS.chat.sender;
    for (let i = 0; i < limit; i++) expect((await chat({ "CF-Connecting-IP": freshIp() }, { email: "chatty@example.test" })).status).toBe(201);
    await expectLimited(await chat({ "CF-Connecting-IP": freshIp() }, { email: "Chatty@example.test" }));
    expect((await chat({}, { email: "quiet@example.test" })).status).toBe(201);
  });
});

describe("the per-sender chat limit can be set with SUPPORT_CHATS_PER_SENDER", () => {
  it("a store that sets it lower refuses the next start with 429 and the seconds to wait", async () => {
    const low = { ...env, SUPPORT_CHATS_PER_SENDER: "2" };
    const sender = { userId: null, email: "lowlimit@example.test" };
    await countSupportStart(low, "chat", sender, null);
    await countSupportStart(low, "chat", sender, null);
    const refused = await countSupportStart(low, "chat", sender, null).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(AppError);
    const error = refused as AppError;
    expect(error.status).toBe(429);
    expect(error.code).toBe("support.rate_limited");
    expect(Number(error.headers?.["Retry-After"])).toBeGreaterThan(0);
    expect(Number(error.headers?.["Retry-After"])).toBeLessThanOrEqual(SUPPORT_LIMITS.chat.sender.windowSeconds);
  });

  it("anything but a whole number of at least 1 keeps the default; tickets are not affected", () => {
    for (const value of [undefined, "", "0", "-3", "2.5", "many"])
      expect(supportLimits({ SUPPORT_CHATS_PER_SENDER: value }).chat.sender.limit).toBe(SUPPORT_LIMITS.chat.sender.limit);
    expect(supportLimits({ SUPPORT_CHATS_PER_SENDER: "3" }).chat.sender.limit).toBe(3);
    expect(supportLimits({ SUPPORT_CHATS_PER_SENDER: "3" }).ticket).toEqual(SUPPORT_LIMITS.ticket);
  });
});
