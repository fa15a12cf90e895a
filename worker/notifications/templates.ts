import type { EmailMessage } from "./schema";
import { type EmailContent, formatMoney, type ItemRow, type RenderedEmail, render, type StoreInfo } from "./templates/layout";

export type { RenderedEmail, StoreInfo } from "./templates/layout";

const ACCOUNT = (store: string) => `You get this email because of your account at ${store}.`;
const ORDER = (store: string, number: string) => `You get this email because you placed order ${number} at ${store}.`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The store's origin: configured (PUBLIC_ORIGIN), else the origin of a link the message carries. */
export function storeOrigin(message: EmailMessage, configured?: string | null): string | null {
  if (configured) return configured.replace(/\/+$/, "");
  const url = "url" in message.data ? message.data.url : undefined;
  if (!url) return null;
  try {
    const origin = new URL(url).origin;
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
}

function content(message: EmailMessage, store: StoreInfo): EmailContent {
  const name = store.name;
  // Order and shipping emails point at the return rules, so a shopper can find them when the parcel is there.
  const returnsPolicy = store.origin ? [{ label: "Returns policy", url: `${store.origin}/policies/returns` }] : [];
  switch (message.template) {
    case "welcome":
      return {
        subject: `Welcome to ${name}`,
        preheader: "Your account is ready.",
        heading: `Welcome, ${message.data.name}`,
        paragraphs: ["Your account is ready. Save addresses, follow your orders and check out faster."],
        action: store.origin ? { label: `Visit ${name}`, url: store.origin } : undefined,
        reason: ACCOUNT(name),
      };
    case "verify_email":
      return {
        subject: "Confirm your email address",
        preheader: "One click to confirm this is your address.",
        heading: "Confirm your email address",
        paragraphs: [`Hi ${message.data.name}, please confirm that this is your email address.`],
        action: { label: "Confirm email", url: message.data.url },
        after: ["If you did not create an account, ignore this email."],
        reason: ACCOUNT(name),
      };
    case "password_reset":
      return {
        subject: "Reset your password",
        preheader: `The link expires in ${message.data.expiresInMinutes} minutes.`,
        heading: "Reset your password",
        paragraphs: [
          `Hi ${message.data.name}, someone (hopefully you) asked to reset your password.`,
          `The link works once and expires in ${message.data.expiresInMinutes} minutes. If you did not ask, ignore this email: your password stays as it is.`,
        ],
        action: { label: "Choose a new password", url: message.data.url },
        reason: ACCOUNT(name),
      };
    case "finish_registration":
      return {
        subject: `Finish creating your ${name} account`,
        preheader: `The link works once, for ${plural(message.data.expiresInHours, "hour")}.`,
        heading: "Finish creating your account",
        paragraphs: [
          `Hi ${message.data.name}, someone (hopefully you) asked for an account at ${name} with this email address.`,
          `Follow the link to confirm the address and sign in. It works once, for ${plural(message.data.expiresInHours, "hour")}.`,
        ],
        action: { label: "Finish creating my account", url: message.data.url },
        after: ["If you did not ask for an account, ignore this email: nothing is created without this link."],
        reason: `You get this email because someone signed up at ${name} with this address.`,
      };
    case "account_exists":
      return {
        subject: `You already have an account at ${name}`,
        preheader: "Sign in, or reset your password if you forgot it.",
        heading: "You already have an account",
        paragraphs: [
          `Hi ${message.data.name}, someone (hopefully you) tried to create a new account at ${name} with this email address, which already has one.`,
          "Sign in with it instead. If you forgot the password, reset it: the reset link comes to this address.",
        ],
        action: { label: "Sign in", url: message.data.url },
        links: store.origin ? [{ label: "Reset your password", url: `${store.origin}/account/forgot-password` }] : [],
        after: ["If this was not you, you can ignore this email: nothing was changed."],
        reason: ACCOUNT(name),
      };
    case "password_changed":
      return {
        subject: "Your password was changed",
        preheader: "Every other session was signed out.",
        heading: "Your password was changed",
        paragraphs: [
          `Hi ${message.data.name}, the password of your account was just changed and every other session was signed out.`,
          "If this was not you, reset your password at once and contact us.",
        ],
        action: store.origin ? { label: "Reset your password", url: `${store.origin}/account/forgot-password` } : undefined,
        reason: ACCOUNT(name),
      };
    case "order_confirmation": {
      const d = message.data;
      const money = (n: number) => formatMoney(n, d.currency);
      // A marketplace order: the lines grouped by seller (the store's own first), each saying who sends it.
      const bySeller = d.items?.some((i) => i.seller);
      const ordered = bySeller ? [...(d.items ?? [])].sort((a, b) => (a.seller ?? "").localeCompare(b.seller ?? "")) : d.items;
      const items: ItemRow[] | undefined = ordered?.map((i) => ({
        name: i.name,
        detail: bySeller ? [i.variantTitle, `Sold by ${i.seller ?? name}`].filter(Boolean).join(" · ") : i.variantTitle || undefined,
        quantity: i.quantity,
        amount: money(i.lineTotal),
      }));
      const facts: [string, string][] = [];
      // Worded and ordered as on the order page: an included tax (VAT/GST) is stated, not added; added tax and duties add up.
      const taxLabel = d.taxLabel || "Tax";
      if (d.subtotal !== undefined) facts.push(["Subtotal", money(d.subtotal)]);
      if (d.shippingTotal !== undefined) facts.push(["Shipping", d.shippingTotal === 0 ? "Free" : money(d.shippingTotal)]);
      // An added tax shows even at 0 (as at checkout) once the sender names it; an included one only when there is some.
      if (d.taxInclusive) {
        if (d.taxTotal) facts.push([`Includes ${taxLabel}`, money(d.taxTotal)]);
      } else if (d.taxTotal || (d.taxTotal === 0 && d.taxLabel)) facts.push([taxLabel, money(d.taxTotal)]);
      if (d.dutiesTotal) facts.push(["Import duties (estimate)", money(d.dutiesTotal)]);
      if (d.discounts?.length) for (const part of d.discounts) facts.push([part.label, `−${money(part.amount)}`]);
      else if (d.discountTotal) facts.push(["Discount", `−${money(d.discountTotal)}`]);
      facts.push(["Total", money(d.total)]);
      return {
        subject: `Order ${d.number} confirmed`,
        preheader: `We received your payment of ${money(d.total)}.`,
        heading: `Thank you — order ${d.number} is confirmed`,
        paragraphs: [`We received your payment of ${money(d.total)}. We will email you again when your order ships.`],
        items,
        facts,
        action: { label: "View your order", url: d.url },
        links: [...returnsPolicy, ...(d.recommended ?? []).map((r) => ({ label: `You may also like: ${r.name} (${money(r.price)})`, url: r.url }))],
        reason: ORDER(name, d.number),
      };
    }
    case "payment_received": {
      const d = message.data;
      const amount = formatMoney(d.amount, d.currency);
      return {
        subject: `Payment received for order ${d.number}`,
        preheader: `${amount} received. We are preparing your order.`,
        heading: `We received your payment of ${amount}`,
        paragraphs: [`Your payment for order ${d.number} went through. We are preparing your order now.`],
        facts: [
          ["Paid with", d.provider],
          ["Amount", amount],
        ],
        action: { label: "View your order", url: d.url },
        links: returnsPolicy,
        reason: ORDER(name, d.number),
      };
    }
    case "order_shipped": {
      const d = message.data;
      const facts: [string, string][] = [
        ["Carrier", d.carrier],
        ["Tracking number", d.trackingNumber],
      ];
      if (d.estimatedDelivery) facts.push(["Estimated delivery", d.estimatedDelivery]);
      const count = d.items.reduce((n, i) => n + i.quantity, 0);
      if (d.seller) facts.unshift(["Sold by", d.seller]);
      return {
        subject: d.seller ? `Order ${d.number}: ${d.seller} shipped your items` : `Order ${d.number} has shipped`,
        preheader: `${plural(count, "item")} on the way with ${d.carrier}.`,
        heading: `Your order ${d.number} is on its way`,
        paragraphs: [
          d.seller
            ? `${plural(count, "item")} from ${d.seller} left with ${d.carrier}. Items from other sellers of this order travel in their own parcels.`
            : `${plural(count, "item")} left our warehouse with ${d.carrier}.`,
        ],
        items: d.items.map((i) => ({ name: i.name, quantity: i.quantity })),
        facts,
        action: d.trackingUrl ? { label: "Track your parcel", url: d.trackingUrl } : { label: "View your order", url: d.url },
        links: [...(d.trackingUrl ? [{ label: "View your order", url: d.url }] : []), ...returnsPolicy],
        reason: ORDER(name, d.number),
      };
    }
    case "support_ticket_received": {
      const d = message.data;
      return {
        subject: `[${d.reference}] ${d.subject}`,
        preheader: "We have your message and will answer soon.",
        heading: `We got your message (${d.reference})`,
        paragraphs: [
          `Hi ${d.name}, thank you for writing to ${name}. A person will answer soon.`,
          d.replyTo ? "Reply to this email to add to your request." : "Add to your request from its page.",
        ],
        action: { label: "View your request", url: d.url },
        reason: `You get this email because you contacted ${name}.`,
      };
    }
    case "support_reply": {
      const d = message.data;
      return {
        subject: `Re: [${d.reference}] ${d.subject}`,
        preheader: d.body.slice(0, 120),
        heading: `${d.author} answered your request ${d.reference}`,
        paragraphs: [`Hi ${d.name},`, ...d.body.split(/\n{2,}/)],
        action: { label: "View the conversation", url: d.url },
        after: [d.replyTo ? "Reply to this email to answer; write above the quoted text." : "Answer from the request's page."],
        reason: `You get this email because you contacted ${name}.`,
      };
    }
    case "order_delivered":
      return {
        subject: `Order ${message.data.number} was delivered`,
        preheader: "Your parcel has arrived.",
        heading: `Order ${message.data.number} was delivered`,
        paragraphs: ["The carrier reports your parcel as delivered. We hope you enjoy it.", "If anything is missing or wrong, reply from your order page."],
        action: { label: "View your order", url: message.data.url },
        links: returnsPolicy,
        reason: ORDER(name, message.data.number),
      };
    case "order_link":
      return {
        subject: `Your new link to order ${message.data.number}`,
        preheader: `It works for ${message.data.expiresInDays} days.`,
        heading: `Your new link to order ${message.data.number}`,
        paragraphs: [
          "Here is a fresh link to your order. Earlier links to it no longer work.",
          `It works for ${message.data.expiresInDays} days. Keep it to yourself: anyone with it can see the order.`,
        ],
        action: { label: "View your order", url: message.data.url },
        reason: ORDER(name, message.data.number),
      };
    case "loyalty_expiry_warning": {
      const when = new Date(message.data.expiresAt).toLocaleDateString("en-US", { dateStyle: "long", timeZone: "UTC" });
      return {
        subject: `Your ${message.data.points} points expire on ${when}`,
        preheader: "Use them or earn more before then to keep them.",
        heading: `${message.data.points} points expire on ${when}`,
        paragraphs: ["Points expire after a while without activity on your account.", "Any order, or redeeming points at checkout, keeps them."],
        action: { label: "See your points", url: message.data.url },
        reason: `You get this email because you have points in ${name}'s loyalty program.`,
      };
    }
    case "review_request":
      return {
        subject: message.data.reminder ? `A quick reminder: how is your ${message.data.productName}?` : `How is your ${message.data.productName}?`,
        preheader: "Your review helps other shoppers decide.",
        heading: `How is your ${message.data.productName}?`,
        paragraphs: message.data.guest
          ? [
              "Your order arrived. Tell other shoppers what you think: stars and a few words.",
              "It takes a minute, and no account is needed: the button opens the form for this product.",
            ]
          : ["Your order arrived. Tell other shoppers what you think: stars, a few words and photos if you like.", "It takes a minute."],
        action: { label: "Write a review", url: message.data.url },
        reason: `You bought ${message.data.productName} from us. We ask once, with one reminder.`,
      };
    case "order_cancelled": {
      const d = message.data;
      const refund = formatMoney(d.refundAmount, d.currency);
      return {
        subject: `Order ${d.number} was cancelled`,
        preheader: d.refundAmount > 0 ? `${refund} is on its way back to you.` : "Nothing was charged.",
        heading: `Order ${d.number} was cancelled`,
        paragraphs: [
          d.reason ? `Reason: ${d.reason}` : "Your order was cancelled.",
          d.refundAmount > 0
            ? `We refunded ${refund} to your original payment method. Banks usually show it within 5–10 business days.`
            : "Nothing was charged for this order.",
        ],
        facts: d.refundAmount > 0 ? [["Refund", refund]] : undefined,
        action: { label: "View your order", url: d.url },
        reason: ORDER(name, d.number),
      };
    }
    case "order_refunded": {
      const d = message.data;
      const amount = formatMoney(d.amount, d.currency);
      return {
        subject: `${d.full ? "Refund" : "Partial refund"} of ${amount} for order ${d.number}`,
        preheader: `${amount} is on its way back to you.`,
        heading: d.full ? `Order ${d.number} was refunded` : `Part of order ${d.number} was refunded`,
        paragraphs: [`We refunded ${amount} to your original payment method. Banks usually show it within 5–10 business days.`],
        facts: [["Refund", amount]],
        action: { label: "View your order", url: d.url },
        reason: ORDER(name, d.number),
      };
    }
    case "return_update": {
      const d = message.data;
      const STEP = {
        requested: [`Return ${d.returnNumber} requested`, "We have your return request and will answer it shortly."],
        approved: [`Return ${d.returnNumber} approved`, "Your return is approved. Send the items back as described below."],
        rejected: [`Return ${d.returnNumber} declined`, "We cannot accept this return."],
        in_transit: [`Return ${d.returnNumber} is on its way`, "The carrier has your parcel and is bringing it back to us."],
        received: [`Return ${d.returnNumber} arrived`, "Your parcel is back with us. We will check the items and tell you what happens next."],
        inspected: [`Return ${d.returnNumber} checked`, "We have checked every item you sent back. Here is what we found."],
        closed: [`Return ${d.returnNumber} closed`, "Your return is closed."],
        exchanged: [`Exchange ${d.returnNumber} on its way`, "Your replacement items are on their way, at no charge."],
      } as const;
      const [heading, lead] = STEP[d.step];
      return {
        subject: `${heading} (order ${d.number})`,
        preheader: lead,
        heading,
        paragraphs: [lead, ...(d.message ? [d.message] : [])],
        items: d.items.map((i) => ({ name: i.name, detail: i.detail, quantity: i.quantity })),
        facts: d.trackingNumber ? [["Tracking number", d.trackingNumber]] : undefined,
        action: { label: "View your order", url: d.url },
        links: [
          ...(d.labelUrl ? [{ label: "Print the return label", url: d.labelUrl }] : []),
          ...(d.policyUrl ? [{ label: "Our returns policy", url: d.policyUrl }] : []),
        ],
        reason: ORDER(name, d.number),
      };
    }
    case "staff_new_order": {
      const d = message.data;
      const total = formatMoney(d.total, d.currency);
      const count = d.items.reduce((n, i) => n + i.quantity, 0);
      return {
        subject: `New order ${d.number}: ${total}`,
        preheader: `${plural(count, "item")} paid by ${d.customer}.`,
        heading: `New order ${d.number}`,
        paragraphs: [`${d.customer} paid ${total} for ${plural(count, "item")}. The order is waiting to be packed.`],
        items: d.items.map((i) => ({ name: i.name, detail: i.variantTitle === "Default" ? undefined : i.variantTitle, quantity: i.quantity })),
        facts: [
          ["Total", total],
          ["Shipping", `${d.shippingOption} to ${d.country}`],
        ],
        action: { label: "Open the order", url: d.url },
        reason: `You get this email because new-order emails are on in the settings of ${name}. Turn them off under Settings → Notifications.`,
      };
    }
    case "low_stock": {
      const d = message.data;
      return {
        subject: `Low stock: ${d.sku}`,
        preheader: `${plural(d.available, "unit")} left (threshold ${d.threshold}).`,
        heading: `Low stock: ${d.sku}`,
        paragraphs: [
          `Only ${plural(d.available, "unit")} of ${d.sku} ${d.available === 1 ? "is" : "are"} available (alert threshold ${d.threshold}).`,
          "Restock or adjust the threshold in the inventory section. You get one alert per crossing, not one per sale.",
        ],
        facts: [
          ["Available", String(d.available)],
          ["Threshold", String(d.threshold)],
        ],
        action: store.origin ? { label: "Open inventory", url: `${store.origin}/admin/inventory?q=${encodeURIComponent(d.sku)}` } : undefined,
        reason: `You get this email because you are an admin of ${name}.`,
      };
    }
    case "wishlist_back_in_stock": {
      const d = message.data;
      const item = d.variantTitle === "Default" ? d.productName : `${d.productName} (${d.variantTitle})`;
      return {
        subject: `Back in stock: ${d.productName}`,
        preheader: `${item} from your wishlist can be ordered again.`,
        heading: "Back in stock",
        paragraphs: [`Hi ${d.name}, ${item} from your wishlist is back in stock.`],
        action: { label: "See the product", url: d.url },
        after: [`No more wishlist alerts? Unsubscribe: ${d.unsubscribeUrl}`],
        reason: `You get this email because this item is on your wishlist at ${name}.`,
      };
    }
    case "vendor_update": {
      const d = message.data;
      const STEP = {
        received: [`We received your application for ${d.vendorName}`, "Thanks for applying to sell with us. We review every application and answer by email."],
        approved: [`${d.vendorName} is approved`, "Welcome aboard: sign in again to open your seller panel and list your first products."],
        rejected: [`Your application for ${d.vendorName} was declined`, "We cannot accept this application."],
        suspended: [`${d.vendorName} is suspended`, "Your products are hidden from the store until we reinstate your account."],
        reinstated: [`${d.vendorName} is reinstated`, "Your products are visible in the store again."],
      } as const;
      const [heading, lead] = STEP[d.step];
      return {
        subject: heading,
        preheader: lead,
        heading,
        paragraphs: [lead, ...(d.reason ? [`Reason: ${d.reason}`] : [])],
        action: { label: d.step === "received" || d.step === "rejected" ? "See your application" : "Open your seller panel", url: d.url },
        reason: `You get this email because you applied to sell at ${name}.`,
      };
    }
    case "vendor_invitation": {
      const d = message.data;
      return {
        subject: `${d.inviter} invited you to ${d.vendorName}`,
        preheader: `Join ${d.vendorName} as ${d.role} at ${name}.`,
        heading: `Join ${d.vendorName}`,
        paragraphs: [
          `${d.inviter} invited you to work for ${d.vendorName} at ${name} as ${d.role}.`,
          `The link works once and expires in ${plural(d.expiresInDays, "day")}. Sign in or create an account with this email address to accept.`,
        ],
        action: { label: "Accept the invitation", url: d.url },
        after: ["If you do not know this seller, ignore this email."],
        reason: `You get this email because a seller at ${name} invited this address.`,
      };
    }
    case "vendor_payout_reversed": {
      const d = message.data;
      const amount = formatMoney(d.amount, d.currency);
      return {
        subject: `${amount} was taken back from your payout for order ${d.orderNumber}`,
        preheader: `${amount} was taken back from your payout for order ${d.orderNumber} after a refund.`,
        heading: "Part of a payout was taken back",
        paragraphs: [
          `${amount} was taken back from your payout for order ${d.orderNumber} after a refund.`,
          "Your ledger shows the reversal next to the refund. If your Stripe balance could not cover it, the rest is taken from your next payout.",
        ],
        action: { label: "See your payouts", url: d.url },
        reason: `You get this email because you manage payouts for ${d.vendorName} at ${name}.`,
      };
    }
    case "wishlist_price_drop": {
      const d = message.data;
      const item = d.variantTitle === "Default" ? d.productName : `${d.productName} (${d.variantTitle})`;
      const price = formatMoney(d.price, d.currency);
      return {
        subject: `Price drop: ${d.productName} now ${price}`,
        preheader: `${item} from your wishlist dropped to ${price}.`,
        heading: "Price drop on your wishlist",
        paragraphs: [`Hi ${d.name}, ${item} from your wishlist now costs ${price} (was ${formatMoney(d.previousPrice, d.currency)}).`],
        facts: [
          ["Now", price],
          ["Was", formatMoney(d.previousPrice, d.currency)],
        ],
        action: { label: "See the product", url: d.url },
        after: [`No more wishlist alerts? Unsubscribe: ${d.unsubscribeUrl}`],
        reason: `You get this email because this item is on your wishlist at ${name}.`,
      };
    }
  }
}

/** Renders a message as a responsive HTML email plus its plain-text twin. Every value is escaped. */
export function renderEmail(message: EmailMessage, store: StoreInfo): RenderedEmail {
  return render(store, content(message, store));
}
