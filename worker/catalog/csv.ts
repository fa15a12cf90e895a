/**
 * RFC 4180 CSV: comma separated, fields quoted with `"` when they hold a
 * comma, quote or line break, quotes doubled inside quotes. Reading also takes
 * a UTF-8 byte-order mark, LF or CRLF line ends and a missing final line end.
 */

export interface CsvRecord {
  /** 1-based record number as a spreadsheet shows it (the header is 1). */
  row: number;
  cells: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly row: number,
    message: string,
  ) {
    super(message);
  }
}

/** Parses CSV text into records; throws CsvSyntaxError on an unterminated or misplaced quote. Blank lines are skipped. */
export function parseCsv(text: string): CsvRecord[] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const out: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let wasQuoted = false;
  let row = 1;
  let i = 0;
  const endRecord = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0] === "" && !wasQuoted)) out.push({ row, cells });
    row++;
    cells = [];
    cell = "";
    wasQuoted = false;
  };
  while (i < src.length) {
    const ch = src[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        const next = src[i];
        if (next !== undefined && next !== "," && next !== "\n" && next !== "\r")
          throw new CsvSyntaxError(row, "Text after a closing quote: quote the whole cell and double quotes inside it");
        continue;
      }
      cell += ch;
      i++;
      continue;
    }
    if (ch === '"') {
      if (cell !== "") throw new CsvSyntaxError(row, "A quote inside an unquoted cell: quote the whole cell and double quotes inside it");
      quoted = true;
      wasQuoted = true;
      i++;
    } else if (ch === ",") {
      cells.push(cell);
      cell = "";
      wasQuoted = false;
      i++;
    } else if (ch === "\r" || ch === "\n") {
      endRecord();
      i += ch === "\r" && src[i + 1] === "\n" ? 2 : 1;
    } else {
      cell += ch;
      i++;
    }
  }
  if (quoted) throw new CsvSyntaxError(row, "A quoted cell is never closed");
  if (cell !== "" || cells.length || wasQuoted) endRecord();
  return out;
}

/**
 * One CSV cell. Text a spreadsheet would run as a formula (starting with
 * = + - @ or a tab/CR) is prefixed with `'` (OWASP CSV injection); reading
 * strips that prefix again (see `unescapeFormula`).
 */
export function csvCell(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? "" : String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function unescapeFormula(s: string): string {
  return /^'[=+\-@\t\r]/.test(s) ? s.slice(1) : s;
}

/** Rows as CSV text with CRLF line ends (what spreadsheets expect). */
export function toCsv(rows: (string | number | null | undefined)[][]): string {
  return `${rows.map((r) => r.map(csvCell).join(",")).join("\r\n")}\r\n`;
}
