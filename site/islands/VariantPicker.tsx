import { preactIsland } from "../lib/island";
import { useEffect, useMemo, useState } from "preact/hooks";
import type { StockStatus, Variant } from "../../worker/catalog/schema";
import { type DisplayCurrency, formatPrice, type Money } from "../lib/format";

interface Props {
  options: Array<{ name: string; values: string[] }>;
  variants: Variant[];
  /** The variant shown first: the server picks the first one in stock. */
  initialSku: string;
  /** Where "Add to cart" posts `sku` and `quantity`. */
  action: string;
  /** Prefix for element ids, unique on the page. */
  idPrefix?: string;
  /** The shopper's display currency (prices arrive in the base currency). */
  display?: DisplayCurrency | null;
}

function stockText(status: StockStatus, available: number | null): string {
  if (status === "out_of_stock") return "Out of stock";
  if (status === "low_stock") return available ? `Only ${available} left` : "Low stock";
  return "In stock";
}

function optionLabel(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1).replace(/[_-]+/g, " ");
}

function matches(variant: Variant, selection: Record<string, string>): boolean {
  return Object.entries(selection).every(([name, value]) => variant.options[name] === value);
}

function PriceTag({ price, compareAt, display }: { price: Money; compareAt: Money | null; display?: DisplayCurrency | null }) {
  const formatMoney = (m: Money) => formatPrice(m, display);
  if (!compareAt || compareAt.amount <= price.amount) {
    return (
      <p class="price price--large">
        <span class="price-now">{formatMoney(price)}</span>
      </p>
    );
  }
  const saving = Math.round((1 - price.amount / compareAt.amount) * 100);
  return (
    <p class="price price--large">
      <span class="price-now price-sale">
        <span class="sr-only">Sale price</span>
        {formatMoney(price)}
      </span>
      <s class="price-was">
        <span class="sr-only">Regular price</span>
        {formatMoney(compareAt)}
      </s>
      {saving > 0 && <span class="price-save">Save {saving}%</span>}
    </p>
  );
}

/**
 * Price, options and "Add to cart" for one product.
 *
 * The server renders two pickers: option groups (Size, Colour…) that need this
 * island to turn a choice into a SKU, and a plain radio list of SKUs that posts
 * without JavaScript. CSS `@media (scripting)` shows the one that works; once
 * hydrated the list is dropped and a hidden `sku` input follows the options.
 */
export default function VariantPicker({ options, variants, initialSku, action, idPrefix = "buy", display = null }: Props) {
  const formatMoney = (m: Money) => formatPrice(m, display);
  const initial = variants.find((v) => v.sku === initialSku) ?? variants[0];
  const [selection, setSelection] = useState<Record<string, string>>(() => ({ ...(initial?.options ?? {}) }));
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  const variant = useMemo(() => variants.find((v) => matches(v, selection)) ?? initial, [variants, selection, initial]);
  if (!variant) return null;

  const soldOut = variant.stockStatus === "out_of_stock";
  const showGroups = variants.length > 1 && options.length > 0;

  const choose = (name: string, value: string) => {
    const next = { ...selection, [name]: value };
    if (variants.some((v) => matches(v, next))) {
      setSelection(next);
      return;
    }
    // Defensive: a value with no exact combination is disabled, but keep the choice valid anyway.
    const fallback = variants.find((v) => v.options[name] === value);
    if (fallback) setSelection({ ...fallback.options });
  };

  return (
    <div class="buy-box">
      <div>
        <PriceTag price={variant.price} compareAt={variant.compareAtPrice} display={display} />
        <p class="buy-meta" aria-live="polite">
          <span class={`stock stock--${variant.stockStatus}`}>{stockText(variant.stockStatus, variant.available)}</span>
          <span class="sku">SKU {variant.sku}</span>
        </p>
      </div>

      {showGroups && (
        <div class="needs-script option-groups">
          {options.map((option) => (
            <fieldset class="option-group" key={option.name}>
              <legend>
                {optionLabel(option.name)}: <span>{selection[option.name]}</span>
              </legend>
              <div class="option-values">
                {option.values.map((value) => {
                  const candidate = variants.find((v) => matches(v, { ...selection, [option.name]: value }));
                  const soldOutValue = candidate?.stockStatus === "out_of_stock";
                  return (
                    <label class={`option-value${soldOutValue ? " is-sold-out" : ""}`} key={value}>
                      <input
                        type="radio"
                        name={`${idPrefix}-${option.name}`}
                        value={value}
                        checked={selection[option.name] === value}
                        disabled={!candidate}
                        onChange={() => choose(option.name, value)}
                      />
                      <span>
                        {value}
                        {soldOutValue && <span class="sr-only"> (out of stock)</span>}
                        {!candidate && <span class="sr-only"> (unavailable)</span>}
                      </span>
                    </label>
                  );
                })}
              </div>
            </fieldset>
          ))}
        </div>
      )}

      <form method="post" action={action}>
        {hydrated || variants.length === 1 ? (
          <input type="hidden" name="sku" value={variant.sku} />
        ) : (
          <fieldset class={`option-group${showGroups ? " no-script-only" : ""}`}>
            <legend>Choose an option</legend>
            <div class="variant-list">
              {variants.map((v) => (
                <label class="variant-row" key={v.sku}>
                  <input type="radio" name="sku" value={v.sku} checked={v.sku === variant.sku} disabled={v.stockStatus === "out_of_stock"} />
                  <span class="variant-title">{v.title}</span>
                  <span>{formatMoney(v.price)}</span>
                  <span class={`stock stock--${v.stockStatus}`}>{stockText(v.stockStatus, v.available)}</span>
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <div class="add-to-cart">
          <div class="field quantity">
            <label class="label" for={`${idPrefix}-quantity`}>
              Quantity
            </label>
            <input
              class="input"
              id={`${idPrefix}-quantity`}
              type="number"
              name="quantity"
              value="1"
              min="1"
              max={variant.available ?? 99}
              inputMode="numeric"
              required
            />
          </div>
          <button class="button button--large" type="submit" disabled={soldOut}>
            Add to cart
          </button>
        </div>
      </form>
    </div>
  );
}

preactIsland(VariantPicker);
