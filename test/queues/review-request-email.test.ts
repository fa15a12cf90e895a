import { describe, expect, it } from "vitest";
import { renderEmail } from "../../worker/notifications/templates";

const store = { name: "Northwind Goods", origin: "https://shop.test" };

describe("review_request email", () => {
  it("names the product, links to its review form, escapes the name, and says it is a reminder when it is", () => {
    const first = renderEmail(
      {
        id: "review-request:line_1",
        template: "review_request",
        to: "a@x.test",
        data: { productName: "Mug <b>Blue</b>", url: "https://shop.test/p/mug/reviews", reminder: false },
      },
      store,
    );
    expect(first.subject).toBe("How is your Mug <b>Blue</b>?");
    expect(first.html).not.toContain("<b>Blue</b>");
    expect(first.html).toContain('href="https://shop.test/p/mug/reviews"');
    expect(first.text).toContain("https://shop.test/p/mug/reviews");
    const reminder = renderEmail(
      {
        id: "review-reminder:line_1",
        template: "review_request",
        to: "a@x.test",
        data: { productName: "Mug", url: "https://shop.test/p/mug/reviews", reminder: true },
      },
      store,
    );
    expect(reminder.subject).toContain("reminder");
  });
});
