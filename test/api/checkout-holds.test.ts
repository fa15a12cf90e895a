import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { placeOrder } from "../../worker/checkout";
import { readCookie } from "../../worker/lib/cookies";
import { json } from "../support/http";
import { client, stockProduct, US_ADDRESS } from "../support/orders";

vi.setConfig({ testTimeout: 30_000 });

beforeAll(async () => {
  await stockProduct("HLD-1", 2, 1500);
});

const stock = () => env.INVENTORY_LEDGER.getByName("HLD-1").snapshot("HLD-1");

describe("placing an order that fails before it is saved", () => {
  it("holds no stock when the order's link token or address encryption fails", async () => {
    const shopper = client();
    expect((await shopper.send("/api/cart/items", "POST", { sku: "HLD-1", quantity: 2 })).status).toBe(200);
    const cartId = readCookie(shopper.cookie(), "__Host-cart") as string;
    // A key ring that cannot be read: the link token and the address encryption both throw.
    const broken = { ...env, PII_KEYS: "not a key ring" } as Env;
    const body = { email: "holds@example.test", shippingAddress: US_ADDRESS, shippingOption: "standard" as const };
    await expect(placeOrder(broken, { cartId, user: null, body, origin: "http://store.test" })).rejects.toThrow();

    expect(await stock()).toMatchObject({ reserved: 0, available: 2 });
    // The whole stock is still there for the same cart, through the API.
    const res = await shopper.send("/api/checkout", "POST", body);
    expect(res.status).toBe(201);
    expect((await json(res)).status).toBe("pending_payment");
  });
});
