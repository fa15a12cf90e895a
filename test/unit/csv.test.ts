import { describe, expect, it } from "vitest";
import { CsvSyntaxError, csvCell, parseCsv, toCsv, unescapeFormula } from "../../worker/catalog/csv.ts";

const cellsOf = (text: string) => parseCsv(text).map((r) => r.cells);

describe("parseCsv", () => {
  it("reads plain records with LF, CRLF or no final line end, numbering rows as a spreadsheet does", () => {
    expect(parseCsv("sku,price\nA-1,1999\r\nB-2,500")).toEqual([
      { row: 1, cells: ["sku", "price"] },
      { row: 2, cells: ["A-1", "1999"] },
      { row: 3, cells: ["B-2", "500"] },
    ]);
  });

  it("takes a UTF-8 byte-order mark and skips blank lines without renumbering the rows after them", () => {
    expect(parseCsv("\ufeffname\n\nTea\n")).toEqual([
      { row: 1, cells: ["name"] },
      { row: 3, cells: ["Tea"] },
    ]);
  });

  it("reads quoted cells holding commas, doubled quotes and line breaks, and keeps empty cells", () => {
    expect(cellsOf('a,"b, c","say ""hi""","two\nlines",\n')).toEqual([["a", "b, c", 'say "hi"', "two\nlines", ""]]);
    expect(cellsOf('""\n')).toEqual([[""]]);
  });

  it("refuses misplaced or unterminated quotes, naming the row", () => {
    const failure = (text: string) => {
      try {
        parseCsv(text);
      } catch (error) {
        return error;
      }
      return null;
    };
    const unterminated = failure('a\n"open');
    expect(unterminated).toBeInstanceOf(CsvSyntaxError);
    expect((unterminated as CsvSyntaxError).row).toBe(2);
    expect((failure('ab"c') as CsvSyntaxError).message).toMatch(/quote inside an unquoted cell/);
    expect((failure('"ab"c') as CsvSyntaxError).message).toMatch(/after a closing quote/);
  });
});

describe("csvCell and toCsv", () => {
  it("quotes only what needs quoting and writes CRLF line ends", () => {
    expect(
      toCsv([
        ["sku", "name", "price"],
        ["A-1", 'Mug, "large"', 1999],
        ["B-2", null, undefined],
      ]),
    ).toBe('sku,name,price\r\nA-1,"Mug, ""large""",1999\r\nB-2,,\r\n');
    expect(csvCell(" padded ")).toBe('" padded "');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
  });

  it("defuses text a spreadsheet would run as a formula, and reading takes the guard off again", () => {
    for (const formula of ["=SUM(A1)", "+1", "-2", "@cmd", "\tx"]) {
      const written = csvCell(formula);
      expect(written.replace(/^"|"$/g, "").startsWith("'")).toBe(true);
      expect(unescapeFormula(cellsOf(`${written}\n`)[0]?.[0] ?? "")).toBe(formula);
    }
    // Numbers are never formulas, negative or not.
    expect(csvCell(-5)).toBe("-5");
    expect(unescapeFormula("'plain")).toBe("'plain");
  });

  it("round-trips any table through toCsv and parseCsv", () => {
    const table = [
      ["product_slug", "name", "description", "price"],
      ["mug", 'Mug, "large"', "Line one\r\nline two", "1999"],
      ["tea", "=cmd|' /C calc'!A0", "", "0"],
    ];
    const back = cellsOf(toCsv(table)).map((r) => r.map(unescapeFormula));
    expect(back).toEqual(table);
  });
});
