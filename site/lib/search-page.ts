/**
 * The search page with JavaScript: the same GET form and links, but a change to any filter,
 * the sort order or the page fetches the new state's page and swaps in its results and facet
 * counts, without a reload. The URL follows every change (pushState), so the state stays
 * shareable and Back/Forward step through it. Without JavaScript none of this runs and the
 * form and links work as they are.
 */

/** Regions of the page that a new state replaces, by their data attribute. */
const REGIONS = ["data-search-heading", "data-search-toggle", "data-search-facets", "data-search-results", "data-search-status"] as const;

let controller: AbortController | null = null;

function formUrl(form: HTMLFormElement): string {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    // Empty choices ("Any price", "All categories") mean no parameter at all.
    if (typeof value === "string" && value !== "" && name !== "page") params.append(name, value);
  }
  if (params.get("sort") === "relevance") params.delete("sort");
  const qs = params.toString();
  return qs ? `/search?${qs}` : "/search";
}

/** The control with focus, as something that can be found again in the new markup. */
function focusKey(): string | null {
  const el = document.activeElement;
  if (el instanceof HTMLInputElement && el.name) return `input[name="${CSS.escape(el.name)}"][value="${CSS.escape(el.value)}"]`;
  if (el instanceof HTMLSelectElement && el.id) return `#${CSS.escape(el.id)}`;
  return null;
}

async function show(url: string, mode: "push" | "replace" | "none"): Promise<void> {
  const page = document.querySelector<HTMLElement>("[data-search-page]");
  if (!page) return;
  controller?.abort();
  controller = new AbortController();
  const results = page.querySelector<HTMLElement>("[data-search-results]");
  results?.setAttribute("aria-busy", "true");
  try {
    const res = await fetch(url, { signal: controller.signal, headers: { Accept: "text/html" } });
    if (!res.ok) throw new Error(`search page answered ${res.status}`);
    const next = new DOMParser().parseFromString(await res.text(), "text/html");
    const focus = focusKey();
    const openMore = [...page.querySelectorAll<HTMLDetailsElement>(".facet-more[open]")].map(
      (d) => d.closest("fieldset")?.querySelector("legend")?.textContent,
    );
    for (const attr of REGIONS) {
      const from = next.querySelector(`[${attr}]`);
      const to = page.querySelector(`[${attr}]`);
      if (from && to) to.replaceWith(from);
    }
    // The "did you mean" line comes and goes with the words' results.
    page.querySelector("[data-did-you-mean]")?.remove();
    const dym = next.querySelector("[data-did-you-mean]");
    if (dym) page.querySelector("[data-search-heading]")?.insertAdjacentElement("afterend", dym);
    for (const legend of openMore) {
      for (const d of page.querySelectorAll<HTMLDetailsElement>(".facet-more")) {
        if (d.closest("fieldset")?.querySelector("legend")?.textContent === legend) d.open = true;
      }
    }
    document.title = next.title;
    if (mode === "push") history.pushState({ search: true }, "", url);
    else if (mode === "replace") history.replaceState({ search: true }, "", url);
    const again = focus ? page.querySelector<HTMLElement>(focus) : null;
    again?.focus({ preventScroll: true });
    hideApplyButtons(page);
  } catch (error) {
    if ((error as Error).name === "AbortError") return;
    // Anything unexpected: let the browser load the page the ordinary way.
    location.assign(url);
  } finally {
    page.querySelector("[data-search-results]")?.removeAttribute("aria-busy");
  }
}

/** With JavaScript every change applies at once, so the "Apply" button is not needed. */
function hideApplyButtons(root: HTMLElement): void {
  for (const button of root.querySelectorAll<HTMLElement>(".facets-apply")) button.hidden = true;
}

/** Wires the search page's form, links and history. Safe to call once per page load. */
export function enhanceSearchPage(): void {
  const page = document.querySelector<HTMLElement>("[data-search-page]");
  const form = page?.querySelector<HTMLFormElement>("form[data-search-form]");
  if (!page || !form) return;
  hideApplyButtons(page);
  history.replaceState({ search: true }, "", location.href);

  // On the page, not the form: the sort select sits with the results and joins the form by its form attribute.
  page.addEventListener("change", (event) => {
    const target = event.target as HTMLElement & { form?: HTMLFormElement | null };
    if (target.id === "facets-toggle" || target.form !== form) return;
    void show(formUrl(form), "push");
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void show(formUrl(form), "push");
  });
  // Pagination, filter chips and "Clear all" are links to other states of this page.
  page.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = (event.target as HTMLElement).closest<HTMLAnchorElement>("a[href]");
    if (!link || !page.contains(link) || link.closest(".product-grid")) return;
    const url = new URL(link.href);
    if (url.origin !== location.origin || url.pathname !== "/search") return;
    event.preventDefault();
    const paging = link.closest(".pagination") !== null;
    void show(url.pathname + url.search, "push").then(() => {
      if (paging) page.querySelector<HTMLElement>("[data-search-results]")?.scrollIntoView({ block: "start" });
    });
  });
  window.addEventListener("popstate", () => {
    if (location.pathname === "/search") void show(location.pathname + location.search, "none");
  });
}
