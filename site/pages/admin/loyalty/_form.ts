import { decimalText, parseDecimal } from "../../../../worker/lib/money";
import type { LoyaltySettingsSchema } from "../../../../worker/loyalty";

/** Tier rows the form shows: every tier plus this many empty ones to add. */
export const EXTRA_TIER_ROWS = 1;

const WHOLE = /^\d{1,10}$/;

// A whole number becomes a number; anything else stays text so the domain schema names the field.
const whole = (text: string | undefined) => {
  const t = (text ?? "").trim();
  return WHOLE.test(t) ? Number(t) : t;
};

// A money field typed as a decimal ("500.00") in the base currency becomes minor units; an unreadable one stays text.
const money = (text: string | undefined, currency: string) => {
  const t = (text ?? "").trim();
  return parseDecimal(t, currency) ?? t;
};

// "1.25" (×1.25) becomes 1250 thousandths, the unit the rules keep.
const multiplier = (text: string | undefined) => {
  const t = (text ?? "").trim().replace(/^[×x]/i, "");
  return /^\d{1,3}(\.\d{1,3})?$/.test(t) ? Math.round(Number(t) * 1000) : t;
};

/**
 * The loyalty settings form as the body `updateLoyaltySettings` takes (parsed with
 * `LoyaltySettingsBody` by the page). Tier rows with an empty name are left out.
 */
export function loyaltySettingsFromForm(form: Record<string, string>, currency: string): Record<string, unknown> {
  const tiers: Record<string, unknown>[] = [];
  for (let i = 0; i < 20; i++) {
    if (!(`tier${i}Name` in form)) break;
    const name = (form[`tier${i}Name`] ?? "").trim();
    if (!name) continue;
    tiers.push({ name, minSpend: money(form[`tier${i}MinSpend`], currency), multiplierPermille: multiplier(form[`tier${i}Multiplier`]) });
  }
  const months = whole(form.expiryMonths);
  return {
    enabled: form.enabled === "on",
    pointsPerUnit: whole(form.pointsPerUnit),
    pointValue: money(form.pointValue, currency),
    minRedeemPoints: whole(form.minRedeemPoints),
    maxRedeemPoints: whole(form.maxRedeemPoints),
    maxRedeemPercent: whole(form.maxRedeemPercent),
    signUpBonus: whole(form.signUpBonus),
    reviewBonus: whole(form.reviewBonus),
    birthdayBonus: whole(form.birthdayBonus),
    expiryMonths: months,
    // The days field is on the form only while a store uses it; a period in months replaces it.
    ...("expiryDays" in form ? { expiryDays: typeof months === "number" && months > 0 ? 0 : whole(form.expiryDays) } : {}),
    expiryWarningDays: whole(form.expiryWarningDays),
    tiers,
  };
}

/** The form's values for the rules in force (what the inputs show before anything is typed). */
export function loyaltySettingsToForm(s: LoyaltySettingsSchema, currency: string): Record<string, string> {
  const out: Record<string, string> = {
    pointsPerUnit: String(s.pointsPerUnit),
    pointValue: decimalText({ amount: s.pointValue, currency }),
    minRedeemPoints: String(s.minRedeemPoints),
    maxRedeemPoints: String(s.maxRedeemPoints),
    maxRedeemPercent: String(s.maxRedeemPercent),
    signUpBonus: String(s.signUpBonus),
    reviewBonus: String(s.reviewBonus),
    birthdayBonus: String(s.birthdayBonus),
    expiryMonths: String(s.expiryMonths),
    expiryDays: String(s.expiryDays),
    expiryWarningDays: String(s.expiryWarningDays),
  };
  if (s.enabled) out.enabled = "on";
  s.tiers.forEach((t, i) => {
    out[`tier${i}Name`] = t.name;
    out[`tier${i}MinSpend`] = decimalText({ amount: t.minSpend, currency });
    out[`tier${i}Multiplier`] = String(t.multiplierPermille / 1000);
  });
  return out;
}

/** How many tier rows the form shows for these values. */
export function tierRowCount(values: Record<string, string>): number {
  let n = 0;
  while (`tier${n}Name` in values) n++;
  return n;
}
