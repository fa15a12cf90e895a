import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ZodError } from "zod";

export interface FieldError {
  path: string;
  message: string;
}

/**
 * The one error type services throw. `code` is a stable `<domain>.<reason>`
 * string clients may switch on; `message` is safe to show to a person.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: ContentfulStatusCode,
    message: string,
    readonly errors: FieldError[] = [],
    readonly headers: Record<string, string> = {},
    /** Extra members of the problem body (RFC 9457 extensions), e.g. the challenge of a sign-in waiting for its second factor. */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "AppError";
  }
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** Turns zod issues into `{ path, message }` pairs, one per invalid field. */
export function fieldErrorsFromZod(error: ZodError, prefix?: string): FieldError[] {
  return error.issues.flatMap((issue) => {
    const segments = [...(prefix ? [prefix] : []), ...issue.path.map(String)];
    // An unknown key is reported on the object; name the key itself instead.
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: [...segments, key].join("."), message: "Unknown field" }));
    }
    return [{ path: segments.join(".") || "(root)", message: issue.message }];
  });
}

/** RFC 9457 problem details, the body of every error answer. */
export function problem(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  detail: string,
  errors: FieldError[] = [],
  extensions: Record<string, unknown> = {},
) {
  const body = {
    ...extensions,
    type: `https://docs.edge-commerce.dev/problems/${code}`,
    title: TITLES[status] ?? "Error",
    status,
    code,
    detail,
    errors,
    requestId: c.get("requestId") as string | undefined,
  };
  return c.body(JSON.stringify(body), status, { "Content-Type": "application/problem+json", "Cache-Control": "no-store" });
}
