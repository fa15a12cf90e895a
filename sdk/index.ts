// The store API's typed client: openapi-fetch over the types generated from /api/openapi.json (`npm run sdk`).
// Paths, parameters, bodies and answers are checked against the API's own zod schemas at compile time.
//
//   Pages' islands (same origin, the session cookie):   storeApi.GET("/api/search/suggest", { params: { query: { q } } })
//   A native app (bearer tokens, docs/mobile.md):        createStoreClient({ baseUrl: "https://shop.example" })
import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { components, paths } from "./schema";

export type { components, paths };
/** Every named schema of the API (`Schemas["Cart"]`, `Schemas["Product"]` …). */
export type Schemas = components["schemas"];
export type StoreClient = Client<paths>;

/** A client of the store API at `baseUrl` (default: this page's origin). */
export function createStoreClient(options: ClientOptions = {}): StoreClient {
  return createClient<paths>({ baseUrl: "", ...options });
}

/** The client the store's own pages use: same origin, the browser's session cookie. */
export const storeApi: StoreClient = createStoreClient({ credentials: "same-origin" });
