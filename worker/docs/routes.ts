import { createApiApp } from "../lib/openapi";
import { docsPage } from "./service";

/** /api/docs: the human-readable API reference (not itself part of the OpenAPI document). */
export const docsRoutes = createApiApp().get("/docs", async (c) => {
  const { html, csp } = await docsPage();
  return c.html(html, 200, { "Content-Security-Policy": csp });
});
