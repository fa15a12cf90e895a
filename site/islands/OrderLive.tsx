import { preactIsland } from "../lib/island";
import { useEffect, useRef, useState } from "preact/hooks";
import { type Schemas, storeApi } from "../../sdk";
import { eventTitle, formatWhen, SHIPMENT_TEXT, statusTone } from "../components/orders/display";

type OrderTracking = Schemas["OrderTracking"];

interface Props {
  initial: OrderTracking;
  /** The guest's link token, when the page was opened through it. */
  token: string | null;
  /** Where the cancel form posts (the page itself); null hides the form. */
  cancelAction: string | null;
  /** How often to ask for changes while the page is visible. */
  intervalMs?: number;
}

/**
 * The part of the order page that changes: status, parcels and timeline.
 * Rendered on the server (so it is complete without JavaScript), then it asks
 * `GET /api/orders/:id/tracking` every few seconds with the last ETag (a 304
 * costs almost nothing), pauses while the tab is hidden, and stops for good
 * once the order reaches a final status.
 */
export default function OrderLive({ initial, token, cancelAction, intervalMs = 4000 }: Props) {
  const [order, setOrder] = useState(initial);
  const [announcement, setAnnouncement] = useState("");
  const etag = useRef<string | null>(null);

  useEffect(() => {
    if (order.final) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      if (stopped) return;
      if (document.visibilityState === "visible") {
        try {
          const { data: next, response } = await storeApi.GET("/api/orders/{id}/tracking", {
            params: { path: { id: initial.id } },
            // The guest's token in a header, never in the polled URL (which ends up in logs).
            headers: { ...(etag.current ? { "If-None-Match": etag.current } : {}), ...(token ? { "X-Order-Token": token } : {}) },
          });
          // A 304 (nothing changed) has no body: nothing to do until the next round.
          if (response.status === 200 && next) {
            etag.current = response.headers.get("ETag");
            setOrder((previous) => {
              if (previous.status !== next.status) setAnnouncement(`Order status: ${next.statusText}`);
              else if (next.timeline.length > previous.timeline.length)
                setAnnouncement(`${eventTitle(next.timeline.at(-1) ?? { kind: "status", status: next.status })}`);
              return next;
            });
            if (next.final) return;
          }
        } catch {
          // Offline for a moment: try again next round.
        }
      }
      timer = setTimeout(poll, intervalMs);
    };
    timer = setTimeout(poll, intervalMs);
    const wake = () => {
      if (document.visibilityState === "visible" && timer) {
        clearTimeout(timer);
        timer = setTimeout(poll, 0);
      }
    };
    document.addEventListener("visibilitychange", wake);
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      document.removeEventListener("visibilitychange", wake);
    };
  }, [order.final, initial.id, token, intervalMs]);

  const timeline = [...order.timeline].reverse();
  return (
    <div class="stack order-live" data-order-live data-status={order.status}>
      <section class="panel" aria-labelledby="order-status-title">
        <h2 id="order-status-title">Status</h2>
        <p class="order-status">
          <span class={`status-badge order-badge order-badge--${statusTone(order.status)}`} data-order-status>
            {order.statusText}
          </span>
          {!order.final && <span class="muted small"> Updates here as it happens.</span>}
        </p>
        <p class="sr-only" aria-live="polite">
          {announcement}
        </p>
        {order.shipments.length > 0 && (
          <ul class="parcels">
            {order.shipments.map((s, i) => (
              <li class="parcel" key={s.id} data-shipment-status={s.status}>
                <p class="parcel-head">
                  <strong>
                    Parcel {i + 1} · {s.carrierName}
                  </strong>
                  <span class={`status-badge order-badge order-badge--${statusTone(s.status)}`}>{SHIPMENT_TEXT[s.status] ?? s.status}</span>
                </p>
                <p class="parcel-tracking">
                  Tracking{" "}
                  {s.trackingUrl ? (
                    <a href={s.trackingUrl} rel="noopener noreferrer" target="_blank">
                      {s.trackingNumber}
                      <span class="sr-only"> (opens {s.carrierName}'s tracking page)</span>
                    </a>
                  ) : (
                    <span>{s.trackingNumber}</span>
                  )}
                </p>
                <p class="muted small">{s.lines.map((l) => `${l.quantity} × ${l.name}`).join(", ")}</p>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="panel" aria-labelledby="order-timeline-title">
        <h2 id="order-timeline-title">Timeline</h2>
        <ol class="timeline" reversed>
          {timeline.map((e) => (
            <li key={`${e.at}-${e.kind}-${e.note ?? ""}`}>
              <strong>{eventTitle(e)}</strong>
              <time dateTime={e.at}>
                {formatWhen(e.at)} UTC · {e.by}
              </time>
              {e.note && <span class="muted">{e.note}</span>}
            </li>
          ))}
        </ol>
      </section>
      {cancelAction && order.cancellable && (
        <section class="panel panel--quiet" aria-labelledby="order-cancel-title">
          <h2 id="order-cancel-title">Cancel this order</h2>
          <p class="muted small">
            You can cancel until the first parcel ships.{" "}
            {order.status === "pending_payment" ? "Nothing has been charged." : "We refund the full amount to your payment method."}
          </p>
          <form method="post" action={cancelAction} class="form cancel-form">
            <input type="hidden" name="intent" value="cancel" />
            <div class="field">
              <label class="label" for="cancel-reason">
                Reason <span class="label-optional">(optional)</span>
              </label>
              <input class="input" id="cancel-reason" name="reason" maxLength={200} autocomplete="off" />
            </div>
            <label class="check">
              <input type="checkbox" name="confirm" value="yes" required /> Yes, cancel order {order.number}
            </label>
            <button class="button button--danger" type="submit">
              Cancel order
            </button>
          </form>
        </section>
      )}
    </div>
  );
}

preactIsland(OrderLive);
