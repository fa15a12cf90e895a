// The department menus of every storefront page (the phone menu, the desktop bar with its panels and counts, the
// footer's list) as HTML, made once per category tree and highlighted department instead of on every render.
// They are the largest part of each page's markup (~100 links in all) and depend on nothing of the visitor, so a
// page rendered for a shopper with a cart or a session (never served from cache) no longer rebuilds them element
// by element. The tree is the catalog's per-isolate copy (`listCategoryTree`): a catalog change or its refresh
// hands out a new array, and the menus made from the old one go with it.
import type { CategoryNode } from "../../worker/catalog/schema";
import { escapeHtml as esc } from "../../worker/lib/html";

export interface DepartmentMenus {
  /** The `<li>` items of the phone menu's list: each department with its sub-departments. */
  mobile: string;
  /** The `<li>` items of the desktop bar: each department with a panel of its sub-departments and their counts. */
  desktop: string;
  /** The `<li>` items of the footer's "Shop" list. */
  footer: string;
}

/** The chevron of `Icon name="chevron-down"` (components/Icon.astro), decorative. */
const CHEVRON =
  '<svg viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false"><path d="M6 9l6 6 6-6"></path></svg>';

/** At most this many highlighted variants per tree are kept (one per department, and the pages without one). */
const MAX_VARIANTS = 64;
const made = new WeakMap<CategoryNode[], Map<string, DepartmentMenus>>();

const href = (slug: string) => `/c/${esc(slug)}`;

function render(departments: CategoryNode[], active: string | undefined): DepartmentMenus {
  let mobile = "";
  let desktop = "";
  let footer = "";
  for (const dept of departments) {
    const current = dept.slug === active ? ' aria-current="page"' : "";
    const name = esc(dept.name);
    const subs = dept.children;
    mobile += `<li><a class="mobile-dept" href="${href(dept.slug)}"${current}>${name}</a>`;
    if (subs.length) mobile += `<ul role="list" class="mobile-sub">${subs.map((s) => `<li><a href="${href(s.slug)}">${esc(s.name)}</a></li>`).join("")}</ul>`;
    mobile += "</li>";
    desktop += `<li class="dept"><a href="${href(dept.slug)}"${current}>${name}${subs.length ? CHEVRON : ""}</a>`;
    if (subs.length) {
      const items = subs.map((s) => `<li><a href="${href(s.slug)}">${esc(s.name)}<span class="count">${esc(s.productCount)}</span></a></li>`).join("");
      desktop += `<div class="dept-panel"><ul role="list">${items}<li><a class="all" href="${href(dept.slug)}">Shop all ${name}</a></li></ul></div>`;
    }
    desktop += "</li>";
    footer += `<li><a href="${href(dept.slug)}">${name}</a></li>`;
  }
  return { mobile, desktop, footer };
}

/** The menus for `departments` (the catalog's tree) with `active` (a department's slug) marked as the current page. */
export function departmentMenus(departments: CategoryNode[], active?: string): DepartmentMenus {
  let variants = made.get(departments);
  if (!variants) {
    variants = new Map();
    made.set(departments, variants);
  }
  const key = active ?? "";
  const known = variants.get(key);
  if (known) return known;
  const menus = render(departments, active);
  if (variants.size < MAX_VARIANTS) variants.set(key, menus);
  return menus;
}
