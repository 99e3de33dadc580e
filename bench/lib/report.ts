// Plain-text tables (also valid Markdown) and the PASS/FAIL list of targets.

export type Cell = string | number | null | undefined;

function fmt(v: Cell): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return '–';
    if (Number.isInteger(v)) return v.toLocaleString('en-US');
    return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(Math.abs(v) >= 10 ? 1 : 2);
  }
  return v;
}

export function table(title: string, header: string[], rows: Cell[][]): string {
  const cells = rows.map((r) => r.map(fmt));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    `\n### ${title}\n`,
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...cells.map(line),
    '',
  ].join('\n');
}

export type Target = {
  name: string;
  measured: number | null;
  unit: string;
  op: '>=' | '<';
  threshold: number;
  pass: boolean | null;
  note?: string;
};

export function target(
  name: string,
  measured: number | null | undefined,
  op: '>=' | '<',
  threshold: number,
  unit: string,
  note?: string,
): Target {
  const m = measured ?? null;
  const pass = m === null || !Number.isFinite(m) ? null : op === '>=' ? m >= threshold : m < threshold;
  return { name, measured: m, unit, op, threshold, pass, ...(note ? { note } : {}) };
}

export function targetsTable(targets: Target[]): string {
  return table(
    'Targets',
    ['target', 'measured', 'goal', 'result'],
    targets.map((t) => [
      t.name,
      t.measured === null ? null : `${fmt(t.measured)} ${t.unit}`,
      `${t.op} ${fmt(t.threshold)} ${t.unit}`,
      t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'FAIL',
    ]),
  );
}

export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export const round1 = (n: number) => Math.round(n * 10) / 10;
