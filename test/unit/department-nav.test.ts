import { describe, expect, it } from "vitest";
import type { CategoryNode } from "../../worker/catalog/schema";
import { departmentMenus } from "../../site/lib/department-nav";

const node = (slug: string, name: string, children: CategoryNode[] = [], productCount = 0): CategoryNode => ({
  id: `cat_${slug}`,
  slug,
  name,
  description: "",
  productCount,
  children,
});

const tree = () => [
  node("home-kitchen", "Home & Kitchen", [node("cookware", "Cookware", [], 12), node("lighting", 'Lamps <b>"bright"</b>', [], 3)]),
  node("gift-cards", "Gift cards"),
];

describe("the department menus of every storefront page", () => {
  it("link every department and sub-department, with counts, and escape what staff typed", () => {
    const menus = departmentMenus(tree());
    expect(menus.mobile).toBe(
      '<li><a class="mobile-dept" href="/c/home-kitchen">Home &amp; Kitchen</a><ul role="list" class="mobile-sub"><li><a href="/c/cookware">Cookware</a></li><li><a href="/c/lighting">Lamps &lt;b&gt;&quot;bright&quot;&lt;/b&gt;</a></li></ul></li>' +
        '<li><a class="mobile-dept" href="/c/gift-cards">Gift cards</a></li>',
    );
    // The desktop bar: a chevron and a panel (with the counts and "Shop all") only for a department with sub-departments.
    expect(menus.desktop).toContain('<li class="dept"><a href="/c/home-kitchen">Home &amp; Kitchen<svg ');
    expect(menus.desktop).toContain('<a href="/c/cookware">Cookware<span class="count">12</span></a>');
    expect(menus.desktop).toContain('<li><a class="all" href="/c/home-kitchen">Shop all Home &amp; Kitchen</a></li></ul></div></li>');
    expect(menus.desktop).toContain('<li class="dept"><a href="/c/gift-cards">Gift cards</a></li>');
    expect(menus.desktop.match(/<svg /g)).toHaveLength(1);
    expect(menus.footer).toBe('<li><a href="/c/home-kitchen">Home &amp; Kitchen</a></li><li><a href="/c/gift-cards">Gift cards</a></li>');
    expect(`${menus.mobile}${menus.desktop}${menus.footer}`).not.toContain("<b>");
  });

  it("mark the page's own department as current in the phone and desktop menus only", () => {
    const menus = departmentMenus(tree(), "gift-cards");
    expect(menus.mobile).toContain('<a class="mobile-dept" href="/c/gift-cards" aria-current="page">Gift cards</a>');
    expect(menus.desktop).toContain('<a href="/c/gift-cards" aria-current="page">Gift cards</a>');
    expect(menus.mobile.match(/aria-current/g)).toHaveLength(1);
    expect(menus.desktop.match(/aria-current/g)).toHaveLength(1);
    expect(menus.footer).not.toContain("aria-current");
  });

  it("are made once per catalog tree, and a new tree (a catalog change) is rendered anew", () => {
    const first = tree();
    const menus = departmentMenus(first, "home-kitchen");
    expect(departmentMenus(first, "home-kitchen")).toBe(menus);
    expect(departmentMenus(first)).not.toBe(menus);

    const renamed = tree();
    (renamed[1] as CategoryNode).name = "Gift vouchers";
    const after = departmentMenus(renamed, "home-kitchen");
    expect(after).not.toBe(menus);
    expect(after.footer).toContain(">Gift vouchers</a>");
    expect(after.footer).not.toContain("Gift cards");
  });
});
