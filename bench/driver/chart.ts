import type { VariantSummary } from './summary.js';

const WIDTH = 880;
const LABEL_WIDTH = 330;
const BAR_SPACE = 320;
const ROW = 24;
const HEADING = 34;
const COLORS: Record<VariantSummary['implementation'], string> = {
  bare: '#9ca3af',
  ours: '#2563eb',
  'express-session': '#f59e0b',
  'fastify-session': '#d97706',
};

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Median requests per second as horizontal bars, one panel per adapter with its own scale
 * (Fastify's ceiling is several times Express's), each bar labelled with its CPU cost.
 */
export function renderChart(summaries: readonly VariantSummary[], title: string): string {
  const parts: string[] = [];
  let y = 40;
  for (const adapter of ['express', 'fastify'] as const) {
    const rows = summaries.filter((summary) => summary.adapter === adapter && summary.validRuns > 0);
    if (rows.length === 0) continue;
    const max = Math.max(...rows.map((row) => row.requestsPerSecond));
    parts.push(`<text x="10" y="${y + 20}" font-weight="bold">${adapter === 'express' ? 'Express' : 'Fastify'}</text>`);
    y += HEADING;
    for (const row of rows) {
      const width = Math.max(1, (row.requestsPerSecond / max) * BAR_SPACE);
      const value = `${Math.round(row.requestsPerSecond).toLocaleString('en-US')} req/s · ${row.serverCpuMicrosPerRequest.toFixed(0)} µs CPU`;
      parts.push(
        `<text x="${LABEL_WIDTH - 8}" y="${y + 16}" text-anchor="end">${escape(row.label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y + 4}" width="${width.toFixed(1)}" height="${ROW - 8}" fill="${COLORS[row.implementation]}"/>`,
        `<text x="${LABEL_WIDTH + width + 6}" y="${y + 16}">${value}</text>`,
      );
      y += ROW;
    }
    y += 10;
  }
  const height = y + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="13">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="24" font-size="15" font-weight="bold">${escape(title)}</text>`,
    ...parts,
    `<text x="10" y="${height - 10}" fill="#6b7280">Blue: nestjs-session-store. Amber: express-session / @fastify/session. Grey: no session. Longer is faster.</text>`,
    '</svg>',
    '',
  ].join('\n');
}
