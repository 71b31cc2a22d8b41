import type { ReportRow, ReportSystem } from './peer-report';

/**
 * The SVG bar chart of `npm run bench:peers`: one panel per workload, one
 * horizontal bar per system, ms per task on a log scale of its own per panel
 * (the systems differ by orders of magnitude). Hand-written: a few rects and
 * texts need no charting library, and the file stays readable in a diff.
 */

const PANEL_WIDTH = 460;
const LABEL_WIDTH = 150;
const BAR_HEIGHT = 16;
const BAR_GAP = 4;
const PANEL_TOP = 34;
const COLUMNS = 2;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function colour(system: ReportSystem): string {
  if (system.key === 'dagbook-durable') return '#1f6feb';
  if (system.key.startsWith('dagbook')) return '#8cb4f5';
  return system.durable ? '#d9822b' : '#b8b8b8';
}

function panel(systems: readonly ReportSystem[], row: ReportRow, x0: number, y0: number): string[] {
  const values = systems.map((s) => row.cells[s.key]).flatMap((cell) => (cell !== undefined && 'perTaskMs' in cell && cell.perTaskMs > 0 ? [cell.perTaskMs] : []));
  const out: string[] = [];
  const title = row.ratio === undefined ? row.workload.label : `${row.workload.label} — fastest durable peer / dagbook durable = ${row.ratio}×`;
  out.push(`<text x="${x0}" y="${y0 + 14}" font-weight="bold">${escapeXml(title)}</text>`);
  const low = values.length ? Math.floor(Math.log10(Math.min(...values))) : -2;
  const high = values.length ? Math.max(low + 1, Math.ceil(Math.log10(Math.max(...values)))) : 0;
  const plotWidth = PANEL_WIDTH - LABEL_WIDTH - 60;
  const xOf = (value: number) => x0 + LABEL_WIDTH + ((Math.log10(value) - low) / (high - low)) * plotWidth;
  const plotHeight = systems.length * (BAR_HEIGHT + BAR_GAP);
  for (let decade = low; decade <= high; decade++) {
    const x = xOf(10 ** decade).toFixed(1);
    out.push(`<line x1="${x}" y1="${y0 + PANEL_TOP - 4}" x2="${x}" y2="${y0 + PANEL_TOP + plotHeight}" stroke="#ddd"/>`);
    out.push(`<text x="${x}" y="${y0 + PANEL_TOP + plotHeight + 12}" text-anchor="middle" fill="#666">${10 ** decade >= 1 ? 10 ** decade : (10 ** decade).toFixed(-decade)}</text>`);
  }
  systems.forEach((system, i) => {
    const y = y0 + PANEL_TOP + i * (BAR_HEIGHT + BAR_GAP);
    const cell = row.cells[system.key];
    out.push(`<text x="${x0 + LABEL_WIDTH - 6}" y="${y + BAR_HEIGHT - 4}" text-anchor="end">${escapeXml(system.label)}</text>`);
    if (cell !== undefined && 'perTaskMs' in cell && cell.perTaskMs > 0) {
      const width = Math.max(1, xOf(cell.perTaskMs) - xOf(10 ** low));
      out.push(`<rect x="${x0 + LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${colour(system)}"/>`);
      out.push(`<text x="${(x0 + LABEL_WIDTH + width + 4).toFixed(1)}" y="${y + BAR_HEIGHT - 4}">${cell.perTaskMs}</text>`);
    } else {
      out.push(`<text x="${x0 + LABEL_WIDTH + 4}" y="${y + BAR_HEIGHT - 4}" fill="#999">${cell === undefined ? '' : 'missing' in cell ? cell.missing : ''}</text>`);
    }
  });
  out.push(`<text x="${x0 + LABEL_WIDTH + plotWidth / 2}" y="${y0 + PANEL_TOP + plotHeight + 26}" text-anchor="middle" fill="#666">ms per task (log scale)</text>`);
  return out;
}

/** The chart for a report, as an SVG document. */
export function peersChart(systems: readonly ReportSystem[], report: readonly ReportRow[], subtitles: readonly string[]): string {
  const panelHeight = PANEL_TOP + systems.length * (BAR_HEIGHT + BAR_GAP) + 44;
  const rows = Math.ceil(report.length / COLUMNS);
  const width = COLUMNS * PANEL_WIDTH + 20;
  const top = 32 + subtitles.length * 14;
  const height = top + rows * panelHeight;
  const body = report.flatMap((row, i) => panel(systems, row, 10 + (i % COLUMNS) * PANEL_WIDTH, top + Math.floor(i / COLUMNS) * panelHeight));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">dagbook and its peers: no-op tasks, ms per task (median of rounds; shorter is faster)</text>`,
    ...subtitles.map((line, i) => `<text x="10" y="${36 + i * 14}" fill="#666">${escapeXml(line)}</text>`),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
