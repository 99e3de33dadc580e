import type { WebhookStatus } from '@plexhook/db';
import type { HourlyBucket } from './hourly-stats';
import { html, type SafeHtml } from './html';

/** Bottom to top in each bar; the colours match the status badges in dashboard.css. */
export const CHART_STATUSES: { status: WebhookStatus; color: string }[] = [
  { status: 'success', color: '#2e7d32' },
  { status: 'ignored', color: '#9e9e9e' },
  { status: 'duplicate', color: '#1e88e5' },
  { status: 'failed', color: '#d32f2f' },
];

const WIDTH = 720;
const HEIGHT = 150;
const LEFT = 34;
const BOTTOM = 20;
const TOP = 8;

const hh = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:00`;

/** A "nice" axis maximum: 1, 2, 5, 10, 20, 50... at least `max`. */
export function axisMax(max: number): number {
  if (max <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

/** Stacked bars per hour as inline SVG (no script, no chart library); each bar has a tooltip. */
export function hourlyChart(buckets: HourlyBucket[]): SafeHtml {
  const totals = buckets.map((b) => CHART_STATUSES.reduce((sum, s) => sum + b.counts[s.status], 0));
  const top = axisMax(Math.max(0, ...totals));
  const plotH = HEIGHT - TOP - BOTTOM;
  const slot = (WIDTH - LEFT) / Math.max(buckets.length, 1);
  const barW = Math.max(slot - 4, 2);
  const bars = buckets.map((bucket, i) => {
    const x = LEFT + i * slot + (slot - barW) / 2;
    let y = HEIGHT - BOTTOM;
    const rects = CHART_STATUSES.filter((s) => bucket.counts[s.status] > 0).map((s) => {
      const h = (bucket.counts[s.status] / top) * plotH;
      y -= h;
      return html`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"></rect>`;
    });
    const end = new Date(bucket.start.getTime() + 3600_000);
    const detail = CHART_STATUSES.filter((s) => bucket.counts[s.status] > 0)
      .map((s) => `${bucket.counts[s.status]} ${s.status}`)
      .join(', ');
    const tip = `${hh(bucket.start)}–${hh(end)} UTC: ${detail || 'no webhooks'}`;
    // A full-height transparent rect so the tooltip works on empty hours too.
    return html`<g><title>${tip}</title><rect x="${(LEFT + i * slot).toFixed(1)}" y="${TOP}" width="${slot.toFixed(1)}" height="${plotH}" fill="transparent"></rect>${rects}</g>`;
  });
  const labels = buckets.map((bucket, i) =>
    i % 3 === 0
      ? html`<text x="${(LEFT + i * slot + slot / 2).toFixed(1)}" y="${HEIGHT - 6}" text-anchor="middle">${hh(bucket.start)}</text>`
      : null,
  );
  const total = totals.reduce((a, b) => a + b, 0);
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${`Webhooks per hour, last ${buckets.length} hours (UTC): ${total} in all`}">
<line x1="${LEFT}" y1="${HEIGHT - BOTTOM}" x2="${WIDTH}" y2="${HEIGHT - BOTTOM}" class="axis"></line>
<line x1="${LEFT}" y1="${TOP}" x2="${WIDTH}" y2="${TOP}" class="grid"></line>
<line x1="${LEFT}" y1="${TOP + plotH / 2}" x2="${WIDTH}" y2="${TOP + plotH / 2}" class="grid"></line>
<text x="${LEFT - 6}" y="${TOP + 4}" text-anchor="end">${top}</text>
${top % 2 === 0 ? html`<text x="${LEFT - 6}" y="${TOP + plotH / 2 + 4}" text-anchor="end">${top / 2}</text>` : ''}
<text x="${LEFT - 6}" y="${HEIGHT - BOTTOM + 4}" text-anchor="end">0</text>
${bars}${labels}</svg>`;
}
