// The SQL builder of listings: text and parameters appended in step.

/** SQL text and its parameters, appended in step so placeholders and values never drift apart. */
export class Sql {
  text = "";
  readonly params: unknown[] = [];
  add(text: string, params: readonly unknown[] = []): this {
    this.text += text;
    this.params.push(...params);
    return this;
  }
  /** `WITH name AS MATERIALIZED (...)` for the given expressions (none: nothing). */
  with(ctes: ReadonlyArray<{ name: string; sql: string; params: readonly unknown[] }>): this {
    for (const [i, c] of ctes.entries()) this.add(`${i === 0 ? "WITH " : ", "}${c.name} AS MATERIALIZED (${c.sql})`, c.params);
    return ctes.length ? this.add(" ") : this;
  }
  /** `cond AND cond …` of the filters (their own SQL and parameters). */
  conditions(conds: ReadonlyArray<{ sql: string; params: readonly unknown[] }>): this {
    for (const [i, c] of conds.entries()) this.add(`${i === 0 ? "" : " AND "}${c.sql}`, c.params);
    return this;
  }
  prepare(d1: D1Database): D1PreparedStatement {
    return d1.prepare(this.text).bind(...this.params);
  }
}
