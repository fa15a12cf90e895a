// Every answer the API describes has a real schema, so the generated SDK (sdk/, `npm run sdk`) types it: no free-form
// objects, no `unknown`, no nullable references that lose their null. Walks /api/openapi.json as the Worker serves it.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

type Schema = Record<string, unknown>;
interface Doc {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>>;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = new Set(["get", "put", "post", "patch", "delete"]);
/** Answers that never carry a body. */
const BODYLESS = new Set(["204", "301", "302", "303", "304", "307", "308"]);

/** Where a schema says nothing about its shape (each entry names the JSON path inside the answer). */
function freeFormParts(schema: Schema | undefined, doc: Doc, at = "$", seen = new Set<string>()): string[] {
  if (!schema || typeof schema !== "object" || Object.keys(schema).length === 0) return [`${at}: no schema`];
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.replace("#/components/schemas/", "");
    if (seen.has(name)) return [];
    seen.add(name);
    return freeFormParts(doc.components?.schemas?.[name], doc, `${at}<${name}>`, seen);
  }
  const found: string[] = [];
  for (const key of ["anyOf", "oneOf"] as const) {
    const list = schema[key] as Schema[] | undefined;
    list?.forEach((part, i) => {
      if (part.type === "null") return;
      found.push(...freeFormParts(part, doc, `${at}.${key}[${i}]`, seen));
    });
  }
  const allOf = schema.allOf as Schema[] | undefined;
  allOf?.forEach((part, i) => {
    // `{ allOf: [{ $ref }, { type: ["object", "null"] }] }` is how a nullable reference comes out: generators read
    // the second part as an empty object and drop the null.
    const keys = Object.keys(part);
    // A part that only documents the reference (`Money.openapi({ description })`) adds nothing to type.
    if (keys.every((k) => k === "description" || k === "example")) return;
    if (!part.$ref && !part.properties && "type" in part && keys.every((k) => k === "type" || k === "description" || k === "nullable")) {
      found.push(`${at}.allOf[${i}]: a shapeless part (write a nullable reference as z.union([Schema, z.null()]))`);
    } else found.push(...freeFormParts(part, doc, `${at}.allOf[${i}]`, seen));
  });
  if (schema.anyOf || schema.oneOf || schema.allOf || schema.enum || "const" in schema || schema.not) return found;
  const types = ([] as unknown[]).concat(schema.type ?? []);
  if (types.length === 0) return [...found, `${at}: no type`];
  if (types.includes("object")) {
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    const extra = schema.additionalProperties as Schema | boolean | undefined;
    const typedRecord = typeof extra === "object" && extra !== null && Object.keys(extra).length > 0;
    if (Object.keys(props).length === 0 && !typedRecord) found.push(`${at}: an object with no properties`);
    if (typeof extra === "object" && extra !== null && Object.keys(extra).length > 0) found.push(...freeFormParts(extra, doc, `${at}{*}`, seen));
    for (const [name, prop] of Object.entries(props)) found.push(...freeFormParts(prop, doc, `${at}.${name}`, new Set(seen)));
  }
  if (types.includes("array")) found.push(...freeFormParts(schema.items as Schema | undefined, doc, `${at}[]`, seen));
  return found;
}

describe("GET /api/openapi.json", () => {
  it("describes every answer with a real schema", async () => {
    const res = await exports.default.fetch("http://store.test/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Doc;
    const problems: string[] = [];
    let described = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!METHODS.has(method)) continue;
        for (const [status, response] of Object.entries(operation.responses ?? {})) {
          const where = `${method.toUpperCase()} ${path} ${status}`;
          if (!response.content) {
            // A 200/201 is an answer with a body: it must say what the body is.
            if ((status === "200" || status === "201") && !BODYLESS.has(status)) problems.push(`${where}: no content`);
            continue;
          }
          for (const [type, media] of Object.entries(response.content)) {
            // Files (CSV exports, pictures, the reference page) are bytes, not JSON.
            if (!/json/.test(type)) continue;
            described++;
            for (const part of freeFormParts(media.schema, doc)) problems.push(`${where} ${type} ${part}`);
          }
        }
      }
    }
    expect(described).toBeGreaterThan(100);
    expect(problems).toEqual([]);
  });

  it("flags what it must (the walker itself)", () => {
    const doc: Doc = { paths: {}, components: { schemas: { Money: { type: "object", properties: { amount: { type: "integer" } } } } } };
    expect(freeFormParts({}, doc)).toEqual(["$: no schema"]);
    expect(freeFormParts({ type: "object" }, doc)).toEqual(["$: an object with no properties"]);
    expect(freeFormParts({ type: "object", properties: { meta: {} } }, doc)).toEqual(["$.meta: no schema"]);
    expect(freeFormParts({ allOf: [{ $ref: "#/components/schemas/Money" }, { type: ["object", "null"] }] }, doc)).toHaveLength(1);
    expect(freeFormParts({ anyOf: [{ $ref: "#/components/schemas/Money" }, { type: "null" }] }, doc)).toEqual([]);
    expect(freeFormParts({ type: "object", additionalProperties: { type: "string" } }, doc)).toEqual([]);
    expect(freeFormParts({ type: "array", items: { type: "string" } }, doc)).toEqual([]);
  });
});
