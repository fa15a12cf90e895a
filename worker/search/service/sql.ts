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

/** Values D1 binds at most in one statement. */
export const D1_MAX_PARAMS = 100;

/** Terms a compound SELECT may have on D1 (SQLite's SQLITE_LIMIT_COMPOUND_SELECT there; 500 elsewhere). */
export const D1_COMPOUND_TERMS = 5;

/**
 * `a UNION ALL b UNION ALL …` of any number of SELECTs, in one statement on D1: groups of at most five,
 * each group a subquery (a subquery starts its own count), grouped again until five or fewer remain.
 */
export function unionAll(terms: readonly Sql[]): Sql {
  if (terms.length <= D1_COMPOUND_TERMS) {
    const out = new Sql();
    for (const [i, t] of terms.entries()) out.add(i ? " UNION ALL " : "").add(t.text, t.params);
    return out;
  }
  const groups: Sql[] = [];
  for (let i = 0; i < terms.length; i += D1_COMPOUND_TERMS) {
    const group = unionAll(terms.slice(i, i + D1_COMPOUND_TERMS));
    groups.push(new Sql().add("SELECT * FROM (").add(group.text, group.params).add(")"));
  }
  return unionAll(groups);
}
