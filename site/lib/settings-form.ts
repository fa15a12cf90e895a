import type { ZodType } from "zod";
import type { FieldError } from "../../worker/lib/errors";
import { AppError } from "../../worker/lib/errors";
import { decimalText, parseDecimal } from "../../worker/lib/money";

/** A form field's text for an amount in minor units ("12.34" USD, "1234" JPY, "1.234" BHD); empty for none. */
export function moneyText(amount: number | null | undefined, currency: string): string {
  return amount === null || amount === undefined ? "" : decimalText({ amount, currency });
}
/** "19" / "8.1" from basis points. */
export function percentText(bp: number): string {
  return String(bp / 100);
}
/** "0.92" from a rate ×1,000,000. */
export function rateText(micros: number): string {
  return String(micros / 1_000_000);
}

/** A decimal string scaled by 10^digits into an integer, without floating-point surprises; null when malformed. */
function scaled(text: string, digits: number): number | null {
  const m = (digits === 0 ? /^(\d{1,12})()$/ : new RegExp(`^(\\d{1,12})(?:\\.(\\d{1,${digits}}))?$`)).exec(text);
  if (!m) return null;
  return Number(m[1]) * 10 ** digits + Number((m[2] ?? "").padEnd(digits, "0") || 0);
}

/**
 * Reads a settings form: people type amounts in the store's currency, percentages and decimal rates;
 * the API takes minor units, basis points and rates ×1,000,000. Every field that cannot be read is
 * collected and thrown together, named like the API's fields.
 */
export class SettingsForm {
  readonly errors: FieldError[] = [];
  /** `currency`: the one amounts are typed in (the store's base currency), which fixes their decimals. */
  constructor(
    private readonly form: Record<string, string>,
    private readonly currency: string,
  ) {}

  text(key: string): string {
    return (this.form[key] ?? "").trim();
  }
  /** Null for an empty field. */
  optionalText(key: string): string | null {
    return this.text(key) || null;
  }
  checked(key: string): boolean {
    return this.form[key] === "on";
  }
  private number(key: string, digits: number, message: string, optional: boolean): number | null {
    const t = this.text(key);
    if (!t) {
      if (!optional) this.errors.push({ path: key, message: "Required" });
      return optional ? null : 0;
    }
    const n = scaled(t, digits);
    if (n === null) this.errors.push({ path: key, message });
    return n ?? 0;
  }
  private amount(key: string, optional: boolean): number | null {
    const t = this.text(key);
    if (!t) {
      if (!optional) this.errors.push({ path: key, message: "Required" });
      return optional ? null : 0;
    }
    const n = parseDecimal(t, this.currency);
    const example = `An amount like ${moneyText(599, this.currency)}`;
    if (n === null) this.errors.push({ path: key, message: optional ? `${example}, or empty` : example });
    return n ?? 0;
  }
  /** An amount in the store's currency ("5.99") to minor units (599). */
  money(key: string): number {
    return this.amount(key, false) as number;
  }
  optionalMoney(key: string): number | null {
    return this.amount(key, true);
  }
  /** Percent ("19", "8.1") to basis points. */
  bp(key: string): number {
    return this.number(key, 2, "A percentage like 19 or 8.1", false) as number;
  }
  /** Decimal rate ("0.92") to ×1,000,000. */
  micros(key: string): number {
    return this.number(key, 6, "A rate like 0.92 (up to 6 decimals)", false) as number;
  }
  integer(key: string): number {
    return this.number(key, 0, "A whole number", false) as number;
  }
  /** A field read with the domain's own schema for it (the rule is not typed again here); null when invalid. */
  parsed<T>(key: string, schema: ZodType<T>): T | null {
    const result = schema.safeParse(this.text(key));
    if (result.success) return result.data;
    this.errors.push({ path: key, message: result.error.issues[0]?.message ?? "Invalid" });
    return null;
  }
  /** Throws the collected field errors as one 400, like the API would. */
  check(): void {
    if (this.errors.length) throw new AppError("request.invalid", 400, "Some details need fixing.", this.errors);
  }
}
