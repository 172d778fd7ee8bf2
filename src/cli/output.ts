// How API commands print: `--json` gives the API's own JSON (one document, or
// one object per line for streams); otherwise an aligned table for people.
export type Row = Record<string, unknown>;

export interface Column {
  header: string;
  value: (row: Row) => unknown;
}

export function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.map(cell).join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function formatTable(rows: readonly Row[], columns: readonly Column[]): string {
  const grid = [
    columns.map((c) => c.header),
    ...rows.map((r) => columns.map((c) => cell(c.value(r)))),
  ];
  const widths = columns.map((_, i) => Math.max(...grid.map((line) => (line[i] ?? '').length)));
  return grid
    .map((line) =>
      line
        .map((v, i) => (i === line.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .map((l) => `${l}\n`)
    .join('');
}

export function printTable(rows: readonly Row[], columns: readonly Column[]): void {
  process.stdout.write(formatTable(rows, columns));
}

/** A single object as `key  value` lines. */
export function printRecord(row: Row, skip: readonly string[] = []): void {
  const keys = Object.keys(row).filter((k) => !skip.includes(k));
  const width = Math.max(...keys.map((k) => k.length));
  for (const k of keys) process.stdout.write(`${k.padEnd(width)}  ${cell(row[k])}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export const col = (header: string, key = header): Column => ({
  header,
  value: (r) => r[key],
});
