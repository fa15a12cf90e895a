/**
 * Currency conversion shared by the Worker, the pages and the islands: pure
 * arithmetic with no bindings and no imports, so a browser bundle that formats
 * prices stays free of server code (the currency domain re-exports it).
 * Amounts are integers in minor units; a rate is how many units of the display
 * currency one unit of the base currency buys, ×1,000,000
 * (`exchange_rates.rate_micros`).
 */
export interface DisplayCurrency {
  code: string;
  rateMicros: number;
  /** Minor-unit digits of `code` (2 for EUR, 0 for JPY). */
  decimals: number;
}

/** The base currency shown as itself (rate 1). */
export function identityCurrency(code: string, decimals = 2): DisplayCurrency {
  return { code, rateMicros: 1_000_000, decimals };
}

/**
 * Converts base minor units to the display currency's minor units, rounding
 * half away from zero, in BigInt so large amounts × large rates (KRW, JPY)
 * stay exact. `baseDecimals` is the base currency's minor-unit digits.
 */
export function convertAmount(amount: number, to: DisplayCurrency, baseDecimals = 2): number {
  if (to.rateMicros === 1_000_000 && to.decimals === baseDecimals) return amount;
  const num = BigInt(amount) * BigInt(to.rateMicros) * 10n ** BigInt(to.decimals);
  const den = 1_000_000n * 10n ** BigInt(baseDecimals);
  const negative = num < 0n;
  const abs = negative ? -num : num;
  const rounded = (abs * 2n + den) / (2n * den);
  return Number(negative ? -rounded : rounded);
}
