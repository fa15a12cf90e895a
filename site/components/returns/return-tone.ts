/** The admin badge's tone for a return status: waiting on someone (warn), declined (bad), settled (good). */
export function returnTone(status: string): "warn" | "bad" | "good" | undefined {
  if (status === "requested" || status === "received") return "warn";
  if (status === "rejected") return "bad";
  if (status === "refunded" || status === "exchanged" || status === "closed") return "good";
  return undefined;
}
