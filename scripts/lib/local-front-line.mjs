// The local front line: what Cloudflare does in front of the Worker, done inside the Worker's own isolate when
// scripts/serve.mjs serves on a loopback address. Not part of the deployed Worker: serve.mjs loads this file as the
// main module next to the build's entry.mjs (whose default handler and Durable Object classes it re-exports) and
// points its socket at `LocalFrontLine`.
//
// Miniflare does the same work in two JavaScript workers of its own between the socket and ours, its entry worker
// and its assets router, each a hop between isolates: ~0.4 ms of the runtime's one thread per request, twice what
// a cached page costs us (BENCHMARKS.md, "Serving without Miniflare's entry worker and assets router"). What they
// do that the store relies on, done here the same way:
// - the client's address in `CF-Connecting-IP` (the socket is on loopback, so every client is the loopback
//   address; one a client sent is kept, as Miniflare keeps it);
// - `request.cf` (Miniflare's placeholder location, as with `cf: false`) and `Accept-Encoding: br, gzip`, as
//   Cloudflare hands every request to a Worker;
// - static assets for the paths `run_worker_first` leaves to them (`!/_astro/*`, ...: a missing file is a 404
//   without the Worker);
// - compression: a compressible type gets `Content-Encoding` for the encoding the client asked for, which the
//   runtime then applies, as Cloudflare's front line compresses. An answer with a strong ETag (the store's cached
//   pages and API answers, static assets) is compressed once per tag and encoding and the copy reused, as
//   Cloudflare's cache keeps compressed copies: compressing a ~90 KB page on every request took ~0.65 ms of the
//   runtime's one thread, three times what serving the cached page costs (BENCHMARKS.md, "Compressed once").
// Cron triggers (`/cdn-cgi/local/scheduled`) stay on Miniflare's entry worker, on serve.mjs's --entry-port.
import zlib from "node:zlib";
import { WorkerEntrypoint } from "cloudflare:workers";
import config from "./local-front-line.config.mjs";
import worker from "./entry.mjs";

export * from "./entry.mjs";
export default worker;

// Cloudflare's list of types its front line compresses (the one Miniflare's entry worker copies).
const COMPRESSED_TYPES = new Set([
  "text/html",
  "text/richtext",
  "text/plain",
  "text/css",
  "text/x-script",
  "text/x-component",
  "text/x-java-source",
  "text/x-markdown",
  "application/javascript",
  "application/x-javascript",
  "text/javascript",
  "text/js",
  "image/x-icon",
  "image/vnd.microsoft.icon",
  "application/x-perl",
  "application/x-httpd-cgi",
  "text/xml",
  "application/xml",
  "application/rss+xml",
  "application/vnd.api+json",
  "application/x-protobuf",
  "application/json",
  "multipart/bag",
  "multipart/mixed",
  "application/xhtml+xml",
  "font/ttf",
  "font/otf",
  "font/x-woff",
  "image/svg+xml",
  "application/vnd.ms-fontobject",
  "application/ttf",
  "application/x-ttf",
  "application/otf",
  "application/x-otf",
  "application/truetype",
  "application/opentype",
  "application/x-opentype",
  "application/font-woff",
  "application/eot",
  "application/font",
  "application/font-sfnt",
  "application/wasm",
  "application/javascript-binast",
  "application/manifest+json",
  "application/ld+json",
  "application/graphql+json",
  "application/geo+json",
]);

/**
 * Where `run_worker_first` (`true`, or patterns `/exact` and `/prefix/*` with `!` negations) sends a path:
 * "worker"; "assets" only (a negated pattern: a missing file is a 404, the Worker never runs, as on Cloudflare);
 * or "assets-then-worker".
 */
function routingOf(rule) {
  if (rule === true) return () => "worker";
  if (!Array.isArray(rule)) return () => "assets-then-worker";
  const parse = (pattern) => {
    if (pattern.endsWith("/*")) {
      const prefix = pattern.slice(0, -1);
      return (path) => path.startsWith(prefix);
    }
    if (pattern.includes("*")) throw new Error(`run_worker_first pattern ${pattern} is not supported by scripts/lib/local-front-line.mjs`);
    return (path) => path === pattern;
  };
  const include = rule.filter((p) => !p.startsWith("!")).map(parse);
  const exclude = rule.filter((p) => p.startsWith("!")).map((p) => parse(p.slice(1)));
  return (path) => (exclude.some((test) => test(path)) ? "assets" : include.some((test) => test(path)) ? "worker" : "assets-then-worker");
}
const routing = routingOf(config.runWorkerFirst);

/** The encoding to compress with for the client's `Accept-Encoding`, as Cloudflare picks it (gzip or br, by weight). */
function wantedEncoding(acceptEncoding) {
  let best;
  let bestWeight = 0;
  for (const element of acceptEncoding.split(",")) {
    const [coding = "", ...params] = element.trim().toLowerCase().split(";");
    if (coding !== "gzip" && coding !== "br") continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const weight = q ? Number(q.slice(2)) : 1;
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}

// Compressed copies by `<encoding> <strong ETag>`: a strong tag names exact bytes, so its copy stays right for as
// long as anything answers with that tag. Settled bytes only (never a stream or a promise of another request), the
// least recently served dropped first past PACKED_LIMIT_BYTES.
const PACKED_LIMIT_BYTES = 32 * 1024 * 1024;
const packed = new Map();
let packedBytes = 0;

/** Brotli at quality 5 (Cloudflare compresses dynamic answers at 4–5; 11 takes ~70 ms for a 90 KB page). */
function pack(bytes, encoding) {
  if (encoding === "gzip") return zlib.gzipSync(bytes);
  return zlib.brotliCompressSync(bytes, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength },
  });
}

async function packedCopy(response, encoding, etag) {
  const key = `${encoding} ${etag}`;
  let body = packed.get(key);
  if (body) {
    packed.delete(key);
    response.body.cancel();
  } else {
    body = pack(new Uint8Array(await response.arrayBuffer()), encoding);
    packedBytes += body.byteLength;
    for (const [old, bytes] of packed) {
      if (packedBytes <= PACKED_LIMIT_BYTES) break;
      packed.delete(old);
      packedBytes -= bytes.byteLength;
    }
  }
  packed.set(key, body);
  const headers = new Headers(response.headers);
  headers.set("Content-Encoding", encoding);
  headers.set("Content-Length", String(body.byteLength));
  // "manual": the bytes are already encoded; the runtime sends them as they are.
  return new Response(body, { status: response.status, statusText: response.statusText, headers, encodeBody: "manual" });
}

function compressed(response, acceptEncoding, method) {
  if (!acceptEncoding || response.headers.has("content-encoding") || !response.body) return response;
  const type = response.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type && !COMPRESSED_TYPES.has(type)) return response;
  const encoding = wantedEncoding(acceptEncoding);
  if (!encoding) return response;
  // A whole representation only: not a HEAD's empty body nor a range's part under the same tag.
  const etag = method === "GET" && response.status === 200 ? response.headers.get("etag") : null;
  if (etag && !etag.startsWith("W/")) return packedCopy(response, encoding, etag);
  const out = new Response(response.body, response);
  out.headers.set("Content-Encoding", encoding);
  return out;
}

export class LocalFrontLine extends WorkerEntrypoint {
  async fetch(incoming) {
    const acceptEncoding = incoming.headers.get("accept-encoding");
    const request = new Request(incoming, { cf: { ...config.cf, clientAcceptEncoding: acceptEncoding ?? "" } });
    if (!request.headers.has("cf-connecting-ip")) request.headers.set("CF-Connecting-IP", config.clientIp);
    request.headers.set("Accept-Encoding", "br, gzip");
    const route = this.env.ASSETS ? routing(new URL(request.url).pathname) : "worker";
    if (route !== "worker") {
      const asset = await this.env.ASSETS.fetch(request);
      if (route === "assets" || asset.status !== 404) return compressed(asset, acceptEncoding, request.method);
    }
    return compressed(await worker.fetch(request, this.env, this.ctx), acceptEncoding, request.method);
  }
}
