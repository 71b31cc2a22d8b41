/**
 * A small RFC 4180 CSV parser, in plain TypeScript: danfojs's `readCSV`
 * fails under Node (browser build), and the tables profiled here are small
 * enough that a single pass over the text is the fastest option.
 */

/**
 * Parses CSV text into rows of string fields. Handles quoted fields with
 * embedded commas, doubled quotes (`""`) and newlines, CRLF or LF line
 * ends, a leading byte-order mark, and a missing final newline. A trailing
 * empty line yields no row.
 */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  // Tracks whether the current row has any content, so a blank last line is not a row.
  let rowStarted = false;
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      quoted = true;
      rowStarted = true;
      i++;
    } else if (c === delimiter) {
      row.push(field);
      field = '';
      rowStarted = true;
      i++;
    } else if (c === '\r' || c === '\n') {
      if (rowStarted || field !== '') {
        row.push(field);
        rows.push(row);
      }
      row = [];
      field = '';
      rowStarted = false;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      rowStarted = true;
      i++;
    }
  }
  if (rowStarted || field !== '') {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
