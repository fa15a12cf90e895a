// "Similar items" from text embeddings (Workers AI) searched in a Vectorize index, used instead of TF-IDF
// when a deployment binds both `AI` and `VECTORIZE` (docs/recommendations.md, "Embeddings"). Nothing here
// runs locally or in tests: without the bindings `embeddingBindings` answers null and the refresh keeps
// the TF-IDF model of scoring.ts.
import { type ProductDoc, type Scored, SIMILARITY_DEFAULTS, top, withPopularity } from "./scoring";

/** The embedding model: 768 dimensions, cosine; the Vectorize index must be created with the same (see the docs). */
export const EMBEDDING_MODEL = "@cf/baai/bge-base-en-v1.5";
/** Texts per Workers AI call and vectors per Vectorize upsert (both under the services' limits). */
const EMBED_BATCH = 100;
const UPSERT_BATCH = 500;
/** Nearest-neighbour queries in flight at once. */
const QUERY_CONCURRENCY = 6;

/** The two bindings, narrowed to what this file calls (so tests can hand in small fakes). */
export interface EmbeddingBindings {
  ai: { run(model: string, input: { text: string[] }): Promise<unknown> };
  index: {
    upsert(vectors: Array<{ id: string; values: number[] }>): Promise<unknown>;
    query(vector: number[], options: { topK: number }): Promise<{ matches: Array<{ id: string; score: number }> }>;
  };
}

/** Both bindings when the deployment has them, else null (local runs and tests). */
export function embeddingBindings(env: Env): EmbeddingBindings | null {
  const ai = (env as { AI?: EmbeddingBindings["ai"] }).AI;
  const index = (env as { VECTORIZE?: EmbeddingBindings["index"] }).VECTORIZE;
  return ai && index ? { ai, index } : null;
}

/** What is embedded for a product: its name, then brand, category and attributes as words. */
export function embeddingText(doc: ProductDoc & { brandName?: string | null; categoryNames?: readonly string[] }): string {
  const parts = [doc.name];
  if (doc.brandName) parts.push(`Brand: ${doc.brandName}.`);
  if (doc.categoryNames?.length) parts.push(`Category: ${doc.categoryNames.join(" / ")}.`);
  for (const a of doc.attributes) parts.push(`${a.name}: ${a.value}.`);
  return parts.join(" ").slice(0, 2_000);
}

function vectorsOf(output: unknown, expected: number): number[][] {
  const data = (output as { data?: unknown }).data;
  if (!Array.isArray(data) || data.length !== expected || !data.every((v) => Array.isArray(v) && v.length > 0)) {
    throw new Error(`${EMBEDDING_MODEL} answered ${Array.isArray(data) ? data.length : "no"} vectors for ${expected} texts`);
  }
  return data as number[][];
}

/**
 * Every product's nearest neighbours by embedding: the texts are embedded in batches, upserted into the
 * index under the product id, and each product's own vector is the query (so a vector the index has not
 * made searchable yet still finds the others). Matches that are not an active product or are the product
 * itself are dropped; scores are lifted by sales like TF-IDF's (`withPopularity`). Throws when a service
 * fails, so the caller can fall back to TF-IDF for this run.
 */
export async function embeddingNeighbours(
  bindings: EmbeddingBindings,
  docs: ReadonlyArray<ProductDoc & { text: string }>,
  popularity: ReadonlyMap<string, number>,
  options: { keep?: number; popularityExponent?: number } = {},
): Promise<Map<string, Scored[]>> {
  const keep = options.keep ?? SIMILARITY_DEFAULTS.keep;
  const exponent = options.popularityExponent ?? SIMILARITY_DEFAULTS.popularityExponent;
  const vectors: number[][] = [];
  for (let i = 0; i < docs.length; i += EMBED_BATCH) {
    const batch = docs.slice(i, i + EMBED_BATCH);
    vectors.push(...vectorsOf(await bindings.ai.run(EMBEDDING_MODEL, { text: batch.map((d) => d.text) }), batch.length));
  }
  for (let i = 0; i < docs.length; i += UPSERT_BATCH) {
    await bindings.index.upsert(docs.slice(i, i + UPSERT_BATCH).map((d, j) => ({ id: d.id, values: vectors[i + j] as number[] })));
  }
  const active = new Set(docs.map((d) => d.id));
  const out = new Map<string, Scored[]>();
  let next = 0;
  const worker = async () => {
    while (next < docs.length) {
      const i = next++;
      const self = (docs[i] as ProductDoc).id;
      // One more than kept: the product itself is usually its own best match.
      const { matches } = await bindings.index.query(vectors[i] as number[], { topK: Math.min(keep + 1, 100) });
      const scored = matches
        .filter((m) => m.id !== self && active.has(m.id))
        .map((m) => ({ id: m.id, score: withPopularity(m.score, popularity.get(m.id) ?? 0, exponent) }));
      if (scored.length) out.set(self, top(scored, keep));
    }
  };
  await Promise.all(Array.from({ length: Math.min(QUERY_CONCURRENCY, docs.length) }, worker));
  return out;
}
