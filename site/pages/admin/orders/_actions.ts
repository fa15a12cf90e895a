import { env } from "cloudflare:workers";
import { AppError } from "../../../../worker/lib/errors";
import { withIdempotency } from "../../../../worker/lib/idempotency";
import { decimalText, parseDecimal } from "../../../../worker/lib/money";
import {
  AdminCancelBody,
  addOrderNote,
  type ChangeContext,
  CreateShipmentBody,
  cancelOrder,
  createShipment,
  getOrder,
  markDelivered,
  markFulfilling,
  OrderNoteBody,
  RefundBody,
  ReplaceGuestLinkBody,
  refundOrder,
  replaceGuestLink,
  StatusNoteBody,
} from "../../../../worker/orders";
import { parseWith } from "../../../lib/account";

/** A problem whose fields carry the form's names (the refund form names its reason `refundReason`). */
function renamed(error: unknown, names: Record<string, string>): unknown {
  if (!(error instanceof AppError)) return error;
  return new AppError(
    error.code,
    error.status,
    error.message,
    error.errors.map((e) => ({ ...e, path: names[e.path] ?? e.path })),
    error.headers,
  );
}

function needConfirm(values: Record<string, string>) {
  if (values.confirm !== "yes") throw new AppError("orders.confirm", 400, "Tick the box to confirm.", [{ path: "confirm", message: "Confirm first" }]);
}

/**
 * One staff action posted from the order page: the form parsed with the same
 * schema as the admin API route, then the same service call.
 */
export async function runOrderAction(id: string, intent: string, values: Record<string, string>, ctx: ChangeContext): Promise<void> {
  switch (intent) {
    case "fulfil": {
      const body = parseWith(StatusNoteBody, values.note?.trim() ? { note: values.note } : {});
      await markFulfilling(env, id, ctx, body.note || null);
      return;
    }
    case "ship": {
      const lines = Object.entries(values)
        .filter(([k, v]) => k.startsWith("qty:") && v.trim() !== "" && Number(v) > 0)
        .map(([k, v]) => ({ orderLineId: k.slice(4), quantity: Number(v) }));
      const body = parseWith(CreateShipmentBody, {
        carrier: values.carrier ?? "",
        trackingNumber: values.trackingNumber ?? "",
        ...(values.trackingUrl?.trim() ? { trackingUrl: values.trackingUrl.trim() } : {}),
        ...(lines.length ? { lines } : {}),
      });
      await createShipment(env, id, body, ctx);
      return;
    }
    case "deliver":
      await markDelivered(env, id, ctx, null);
      return;
    case "cancel": {
      const body = parseWith(AdminCancelBody, { reason: values.reason ?? "" });
      needConfirm(values);
      await cancelOrder(env, id, ctx, body.reason);
      return;
    }
    case "refund": {
      // The amount is typed in the order's currency (JPY has no decimals, BHD three).
      const { currency } = await getOrder(env, id);
      const amountText = values.amount?.trim() ?? "";
      const amount = amountText ? parseDecimal(amountText, currency) : undefined;
      if (amount === null)
        throw new AppError("request.invalid", 400, "Some details need fixing.", [
          { path: "amount", message: `An amount in ${currency}, like ${decimalText({ amount: 1250, currency })}` },
        ]);
      let body: RefundBody;
      try {
        body = parseWith(RefundBody, { ...(amount !== undefined ? { amount } : {}), reason: values.refundReason ?? "" });
      } catch (error) {
        throw renamed(error, { reason: "refundReason" });
      }
      needConfirm(values);
      // The form's one-time key makes a double submit refund once.
      await withIdempotency(env.DB, `refund:${id}`, values.key || undefined, body, async () => ({
        status: 200,
        body: await refundOrder(env, id, body.amount, body.reason, ctx),
      }));
      return;
    }
    case "note": {
      const body = parseWith(OrderNoteBody, { note: values.note ?? "", internal: values.public !== "yes" });
      await addOrderNote(env, id, ctx, body.note, body.internal);
      return;
    }
    case "guest-link": {
      const body = parseWith(ReplaceGuestLinkBody, { send: values.send === "yes" });
      await replaceGuestLink(env, id, ctx, { send: body.send });
      return;
    }
    default:
      throw new AppError("request.invalid", 400, "Unknown action.");
  }
}
