import type { EmailMessage } from "./schema";

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function layout(store: string, heading: string, paragraphs: string[], action?: { label: string; url: string }): string {
  const body = paragraphs.map((p) => `<p style="margin:0 0 16px;font-size:16px;line-height:1.5;color:#292524">${esc(p)}</p>`).join("");
  const button = action
    ? `<p style="margin:24px 0"><a href="${esc(action.url)}" style="display:inline-block;background:#b45309;color:#fff;text-decoration:none;padding:12px 20px;border-radius:8px;font-weight:600">${esc(action.label)}</a></p><p style="font-size:13px;color:#57534e;word-break:break-all">Or open ${esc(action.url)}</p>`
    : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(heading)}</title></head><body style="margin:0;background:#f5f5f4;font-family:system-ui,-apple-system,Segoe UI,sans-serif"><table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px 12px"><table role="presentation" width="100%" style="max-width:560px;background:#fff;border-radius:12px;padding:28px"><tr><td><p style="margin:0 0 20px;font-weight:700;font-size:18px;color:#1c1917">${esc(store)}</p><h1 style="margin:0 0 16px;font-size:22px;color:#1c1917">${esc(heading)}</h1>${body}${button}<p style="margin:24px 0 0;font-size:13px;color:#78716c">You get this email because of your account at ${esc(store)}.</p></td></tr></table></td></tr></table></body></html>`;
}

function text(heading: string, paragraphs: string[], action?: { label: string; url: string }): string {
  return [heading, "", ...paragraphs.flatMap((p) => [p, ""]), ...(action ? [`${action.label}: ${action.url}`, ""] : [])].join("\n");
}

/** Renders a message as a responsive HTML email plus its plain-text twin. */
export function renderEmail(message: EmailMessage, store: string): RenderedEmail {
  const build = (subject: string, heading: string, paragraphs: string[], action?: { label: string; url: string }) => ({
    subject,
    text: text(heading, paragraphs, action),
    html: layout(store, heading, paragraphs, action),
  });
  switch (message.template) {
    case "welcome":
      return build(`Welcome to ${store}`, `Welcome, ${message.data.name}`, ["Your account is ready. Save addresses, follow your orders and check out faster."]);
    case "verify_email":
      return build("Confirm your email address", "Confirm your email address", [`Hi ${message.data.name}, please confirm that this is your email address.`], {
        label: "Confirm email",
        url: message.data.url,
      });
    case "password_reset":
      return build(
        "Reset your password",
        "Reset your password",
        [
          `Hi ${message.data.name}, someone (hopefully you) asked to reset your password.`,
          `The link works once and expires in ${message.data.expiresInMinutes} minutes. If you did not ask, ignore this email: your password stays as it is.`,
        ],
        { label: "Choose a new password", url: message.data.url },
      );
    case "order_confirmation": {
      const total = new Intl.NumberFormat("en-US", { style: "currency", currency: message.data.currency }).format(message.data.total / 100);
      return build(
        `Order ${message.data.number} confirmed`,
        `Thank you — order ${message.data.number} is confirmed`,
        [`We received your payment of ${total}. We will email you again when your order ships.`],
        { label: "View your order", url: message.data.url },
      );
    }
    case "payment_received":
    case "order_shipped":
    case "order_delivered":
    case "order_cancelled":
    case "order_refunded":
      // Placeholder until the email work of issue #5 lands its templates.
      return build(
        `Order ${message.data.number}: ${message.template.replace("order_", "").replace("_", " ")}`,
        `Order ${message.data.number}`,
        ["Your order was updated."],
        {
          label: "View your order",
          url: message.data.url,
        },
      );
    case "low_stock":
      return build(`Low stock: ${message.data.sku}`, `Low stock: ${message.data.sku}`, [
        `Only ${message.data.available} unit${message.data.available === 1 ? "" : "s"} of ${message.data.sku} are available (alert threshold ${message.data.threshold}).`,
        "Restock or adjust the threshold in the inventory section. You get one alert per crossing, not one per sale.",
      ]);
    case "password_changed":
      return build("Your password was changed", "Your password was changed", [
        `Hi ${message.data.name}, the password of your account was just changed and every other session was signed out.`,
        "If this was not you, reset your password at once and contact us.",
      ]);
  }
}
