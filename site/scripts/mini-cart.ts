// With JavaScript, "Add to cart" forms (posting to /cart) call the cart API instead of
// leaving the page: the header's count updates and the mini-cart panel opens with the
// cart's lines. Without JavaScript the form post still works (the cart page answers).

import { type Schemas, storeApi } from "../../sdk";
import { type DisplayCurrency, formatPrice } from "../lib/format";

type Cart = Schemas["Cart"];

/** The page's display currency (set by the layout when it is not the base currency); cart amounts arrive in the base currency. */
function pageDisplay(): DisplayCurrency | null {
  try {
    return document.body.dataset.display ? (JSON.parse(document.body.dataset.display) as DisplayCurrency) : null;
  } catch {
    return null;
  }
}
const money = (m: { amount: number; currency: string }) => formatPrice(m, pageDisplay());

function updateCounts(count: number): void {
  for (const el of document.querySelectorAll<HTMLElement>("[data-cart-count]")) {
    el.textContent = String(count);
    el.hidden = false;
  }
}

function renderPanel(panel: HTMLElement, cart: Cart, addedSku: string): void {
  const list = panel.querySelector<HTMLUListElement>("[data-mini-cart-lines]");
  const subtotal = panel.querySelector<HTMLElement>("[data-mini-cart-subtotal]");
  const title = panel.querySelector<HTMLElement>("[data-mini-cart-title]");
  const added = cart.items.find((i) => i.sku === addedSku);
  if (title) title.textContent = added ? `Added ${added.name} to your cart` : "Your cart";
  if (subtotal) subtotal.textContent = money(cart.subtotal);
  if (list) {
    list.replaceChildren(
      ...cart.items.map((item) => {
        const li = document.createElement("li");
        const name = document.createElement("span");
        name.textContent = `${item.quantity} × ${item.name}${item.variantTitle !== "Default" ? ` (${item.variantTitle})` : ""}`;
        const total = document.createElement("span");
        total.textContent = money(item.lineTotal);
        li.appendChild(name);
        li.appendChild(total);
        return li;
      }),
    );
  }
  panel.hidden = false;
  panel.querySelector<HTMLElement>("[data-mini-cart-focus]")?.focus();
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.getAttribute("action") !== "/cart" || form.method.toLowerCase() !== "post") return;
  const data = new FormData(form);
  if (data.get("action") && data.get("action") !== "add") return;
  const sku = String(data.get("sku") ?? "");
  const quantity = Number.parseInt(String(data.get("quantity") ?? "1"), 10);
  if (!sku) return;
  event.preventDefault();
  const button = form.querySelector<HTMLButtonElement>("button[type=submit]");
  const status = document.querySelector<HTMLElement>("[data-cart-status]");
  if (button) button.disabled = true;
  try {
    const { data: cart, error } = await storeApi.POST("/api/cart/items", {
      body: { sku, quantity: Number.isFinite(quantity) && quantity > 0 ? quantity : 1 },
      headers: { Accept: "application/json" },
    });
    if (!cart) {
      if (status) status.textContent = (error as { detail?: string } | undefined)?.detail ?? "Could not add this item. Try again.";
      return;
    }
    updateCounts(cart.itemCount);
    if (status) status.textContent = `Added to cart. ${cart.itemCount} item${cart.itemCount === 1 ? "" : "s"} in your cart.`;
    const panel = document.querySelector<HTMLElement>("[data-mini-cart]");
    if (panel) renderPanel(panel, cart, sku);
  } catch {
    // Offline or blocked: fall back to the plain form post.
    form.submit();
  } finally {
    if (button) button.disabled = false;
  }
});

document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target.closest("[data-mini-cart-close]") : null;
  if (target) (target.closest("[data-mini-cart]") as HTMLElement | null)?.setAttribute("hidden", "");
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") document.querySelector<HTMLElement>("[data-mini-cart]:not([hidden])")?.setAttribute("hidden", "");
});
