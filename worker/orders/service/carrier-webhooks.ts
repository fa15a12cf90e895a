import { parseEasyPostEvent, parseGenericEvent, verifyEasyPostSignature, verifyGenericSignature, webhookSecret } from "../webhooks";
import { applyTrackingEvent, type TrackingResult } from "./shipments";

/**
 * A carrier's tracking webhook: its signature checked on the raw body with
 * that carrier's secret (EasyPost's own scheme, or the generic `t=…,v1=…`
 * one for any other carrier), then the event applied once per event id.
 * An EasyPost event that is not a tracker update is acknowledged as ignored.
 */
export async function receiveCarrierWebhook(
  env: Env,
  carrier: string,
  header: (name: string) => string | undefined,
  raw: string,
  origin: string,
): Promise<TrackingResult | { outcome: "ignored" }> {
  const source = carrier.toLowerCase();
  const secret = webhookSecret(env, source);
  let update: ReturnType<typeof parseEasyPostEvent>;
  if (source === "easypost") {
    await verifyEasyPostSignature(secret, header, raw);
    update = parseEasyPostEvent(raw);
  } else {
    await verifyGenericSignature(secret, header("x-signature"), raw);
    update = parseGenericEvent(source, raw);
  }
  if (!update) return { outcome: "ignored" };
  return applyTrackingEvent(env, update, origin);
}
