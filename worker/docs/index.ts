/** The docs domain's public surface: the self-contained API reference page served at /api/docs. */
export { docsPage } from "./service";
