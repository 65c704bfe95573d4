import * as path from 'node:path';
import type { CostEstimate } from './estimate';
import { ONE_VCPU_MB, type WhatIfRow } from './what-if';

/** USD with cents, e.g. `$1,234.56`, `-$0.20`. */
export function money(amount: number): string {
  const cents = Math.round(Math.abs(amount) * 100) / 100;
  const sign = amount < 0 && cents > 0 ? '-' : '';
  return `${sign}$${cents.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function whole(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

type Align = 'left' | 'right';
/** A row of cells, or null for a blank line. */
type Row = readonly string[] | null;

/** Columns separated by two spaces; numbers right-aligned; the last column is not padded. */
function renderColumns(headers: readonly string[], align: readonly Align[], rows: readonly Row[]): string {
  const all = [headers, ...rows.filter((r): r is readonly string[] => r !== null)];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 && align[i] === 'left' ? c : align[i] === 'right' ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map((r) => (r === null ? '' : line(r)))].join('\n') + '\n';
}

/** The estimate as a table: each stack's functions, the stack's total, then the free tier and the total. */
export function formatEstimate(estimate: CostEstimate, cwd = process.cwd()): string {
  const p = estimate.prices;
  const header = `Lambda cost per month: ${p.region} prices taken ${p.takenOn} (${path.relative(cwd, p.file) || p.file}, v${p.version}), ${p.hoursPerMonth} h month, ${p.currency}\n\n`;
  const headers = ['FUNCTION', 'ARCH', 'MEMORY', 'INVOCATIONS/MO', 'DURATION', 'REQUESTS', 'COMPUTE', 'EPHEMERAL', 'PROVISIONED', 'TOTAL', 'ASSUMPTIONS'];
  const align: Align[] = ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'];
  const rows: Row[] = [];
  for (const stack of estimate.stacks) {
    for (const f of estimate.functions.filter((x) => x.stackName === stack.stackName)) {
      rows.push([
        f.constructPath,
        f.architecture,
        `${f.memoryMb} MB`,
        whole(f.invocationsPerMonth),
        f.invocationsPerMonth > 0 ? `${f.billedDurationMs} ms` : '-',
        money(f.requests),
        money(f.compute),
        money(f.ephemeral),
        money(f.provisioned),
        money(f.total),
        f.assumptions.join('; '),
      ]);
    }
    const invocations = estimate.functions.filter((x) => x.stackName === stack.stackName).reduce((n, f) => n + f.invocationsPerMonth, 0);
    rows.push([`${stack.stackName} (stack)`, '', '', whole(invocations), '', money(stack.requests), money(stack.compute), money(stack.ephemeral), money(stack.provisioned), money(stack.total), `${stack.functions} function${stack.functions === 1 ? '' : 's'}`]);
    rows.push(null);
  }
  const ft = estimate.freeTier;
  if (ft.applied) {
    rows.push([
      'free tier',
      '',
      '',
      '',
      '',
      money(ft.credit.requests),
      money(ft.credit.compute),
      '',
      '',
      money(ft.credit.total),
      `once per account: ${whole(ft.requests)} requests and ${whole(ft.gbSeconds)} GB-s free, from functions without provisioned concurrency (--no-free-tier leaves it out)`,
    ]);
  } else {
    rows.push(['free tier', '', '', '', '', '', '', '', '', '', 'left out (--no-free-tier)']);
  }
  rows.push(['TOTAL', '', '', '', '', '', '', '', '', money(estimate.total), `${estimate.stacks.length} stack${estimate.stacks.length === 1 ? '' : 's'}, ${estimate.functions.length} function${estimate.functions.length === 1 ? '' : 's'}`]);
  return header + renderColumns(headers, align, rows);
}

/** The memory what-if as a table, one block of rows per function. */
export function formatWhatIf(rows: readonly WhatIfRow[]): string {
  const header = `\nMemory what-if (monthly total of each function before the free tier; io: duration unchanged, cpu: duration scaled by the CPU share, one vCPU at ${ONE_VCPU_MB.toLocaleString('en-US')} MB; * = configured now)\n\n`;
  const out: Row[] = [];
  let previous: string | undefined;
  for (const r of rows) {
    out.push([r.constructPath === previous ? '' : r.constructPath, `${r.memoryMb} MB${r.current ? ' *' : '  '}`, `${r.io.billedDurationMs} ms`, `${r.cpu.billedDurationMs} ms`, money(r.io.total), money(r.cpu.total)]);
    previous = r.constructPath;
  }
  return header + renderColumns(['FUNCTION', 'MEMORY', 'DURATION io', 'DURATION cpu', 'TOTAL io', 'TOTAL cpu'], ['left', 'right', 'right', 'right', 'right', 'right'], out);
}
