import { decimalText } from "../../lib/money";
import { toCsv } from "../csv";
import type { AnalyticsReport, CountRow, PeriodReport, ReportExport } from "../schema";

type Cell = string | number | null;

/** Money as a plain decimal in the report's currency (spreadsheets sum it); the code is in its own column. */
const amount = (m: { amount: number; currency: string }) => decimalText(m);
const ratio = (r: number | null) => (r === null ? "" : r.toFixed(4));

function periods(report: AnalyticsReport): { label: string; p: PeriodReport }[] {
  return [{ label: "current", p: report.current }, ...(report.comparison ? [{ label: "comparison", p: report.comparison }] : [])];
}

function counted(report: AnalyticsReport, pick: (p: PeriodReport) => CountRow[], keyName: string): Cell[][] {
  return [["period", "from", "to", keyName, "count"], ...periods(report).flatMap(({ label, p }) => pick(p).map((r) => [label, p.from, p.to, r.key, r.count]))];
}

/**
 * One report of the page as CSV rows, current period first and the comparison period after it, each row
 * naming its period: exactly the figures the page shows.
 */
export function reportCsv(report: AnalyticsReport, which: ReportExport): string {
  let rows: Cell[][];
  switch (which) {
    case "sales":
      rows = [
        [
          "period",
          "from",
          "to",
          "currency",
          "gross",
          "discounts",
          "returns",
          "net",
          "tax",
          "shipping",
          "orders",
          "average_order_value",
          "customers",
          "returning_customers",
          "returning_customer_rate",
        ],
        ...periods(report).map(({ label, p }) => {
          const s = p.sales;
          return [
            label,
            p.from,
            p.to,
            s.currency,
            amount(s.gross),
            amount(s.discounts),
            amount(s.returns),
            amount(s.net),
            amount(s.tax),
            amount(s.shipping),
            s.orders,
            amount(s.averageOrderValue),
            s.customers,
            s.returningCustomers,
            ratio(s.returningCustomerRate),
          ];
        }),
      ];
      break;
    case "daily":
      rows = [
        ["period", "day", "currency", "net", "orders", "sessions"],
        ...periods(report).flatMap(({ label, p }) =>
          p.days.map((d) => [label, d.day, p.sales.currency, decimalText({ amount: d.net, currency: p.sales.currency }), d.orders, d.sessions]),
        ),
      ];
      break;
    case "funnel":
      rows = [
        ["period", "from", "to", "sessions", "product_views", "add_to_cart", "checkout", "purchase"],
        ...periods(report).map(({ label, p }) => [
          label,
          p.from,
          p.to,
          p.funnel.sessions,
          p.funnel.productViews,
          p.funnel.addToCart,
          p.funnel.checkout,
          p.funnel.purchase,
        ]),
      ];
      break;
    case "products":
      rows = [
        ["period", "from", "to", "product_id", "name", "currency", "revenue", "units", "orders", "views", "conversion"],
        ...periods(report).flatMap(({ label, p }) =>
          p.topProducts.map((t) => [
            label,
            p.from,
            p.to,
            t.productId,
            t.name,
            t.revenue.currency,
            amount(t.revenue),
            t.units,
            t.orders,
            t.views,
            ratio(t.conversion),
          ]),
        ),
      ];
      break;
    case "vendors":
      rows = [
        ["period", "from", "to", "vendor_id", "handle", "name", "currency", "sales", "orders", "units", "views", "conversion"],
        ...periods(report).flatMap(({ label, p }) =>
          p.vendors.map((v) => [
            label,
            p.from,
            p.to,
            v.vendorId,
            v.handle,
            v.name,
            v.sales.currency,
            amount(v.sales),
            v.orders,
            v.units,
            v.views,
            ratio(v.conversion),
          ]),
        ),
      ];
      break;
    case "searches":
      rows = counted(report, (p) => p.topSearches, "search");
      break;
    case "no-result-searches":
      rows = counted(report, (p) => p.noResultSearches, "search");
      break;
    case "devices":
      rows = counted(report, (p) => p.devices, "device");
      break;
    case "countries":
      rows = counted(report, (p) => p.countries, "country");
      break;
  }
  return toCsv(rows);
}
