// Inline SVG charts for the Health tab: attempts per bucket as stacked bars
// (succeeded, failed) and latency percentiles as lines. No library, no canvas:
// the SVG scales with its container, and each bar has a <title> tooltip.

const NS = 'http://www.w3.org/2000/svg';
const W = 720;
const H = 180;
const PAD = { l: 44, r: 8, t: 10, b: 24 };

/** @param {string} tag @param {Record<string, string | number>} attrs @param {...Node} children */
function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

/** @param {string} t */
const title = (t) => {
  const el = document.createElementNS(NS, 'title');
  el.textContent = t;
  return el;
};

/** @param {string} text @param {Record<string, string | number>} attrs */
const label = (text, attrs) => {
  const el = s('text', { 'font-size': 11, fill: '#5b6470', ...attrs });
  el.textContent = text;
  return el;
};

/** A round upper bound for an axis. @param {number} max */
function niceMax(max) {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/** @param {string} iso */
const tick = (iso) =>
  new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

function axes(svg, buckets, max, unit) {
  const plotH = H - PAD.t - PAD.b;
  for (const f of [0, 0.5, 1]) {
    const y = PAD.t + plotH * (1 - f);
    svg.append(s('line', { x1: PAD.l, x2: W - PAD.r, y1: y, y2: y, stroke: '#e5e7eb' }));
    svg.append(
      label(`${Math.round(max * f)}${unit}`, { x: PAD.l - 4, y: y + 4, 'text-anchor': 'end' }),
    );
  }
  const n = buckets.length;
  const plotW = W - PAD.l - PAD.r;
  // The first and last labels align inward so that they are never clipped.
  for (const [i, anchor] of /** @type {[number, string][]} */ ([
    [0, 'start'],
    [Math.floor(n / 2), 'middle'],
    [n - 1, 'end'],
  ])) {
    if (!buckets[i]) continue;
    const x =
      anchor === 'start' ? PAD.l : anchor === 'end' ? W - PAD.r : PAD.l + (plotW * (i + 0.5)) / n;
    svg.append(label(tick(buckets[i].start), { x, y: H - 6, 'text-anchor': anchor }));
  }
}

/** @param {any} timeline GET /endpoints/{id}/health/timeline */
export function attemptsChart(timeline) {
  const buckets = timeline.buckets;
  const max = niceMax(Math.max(0, ...buckets.map((b) => b.attempts)));
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': `Attempts per ${timeline.bucket_seconds / 60} minutes, succeeded and failed`,
  });
  axes(svg, buckets, max, '');
  const plotW = W - PAD.l - PAD.r;
  const plotH = H - PAD.t - PAD.b;
  const bw = plotW / buckets.length;
  buckets.forEach((b, i) => {
    if (b.attempts === 0) return;
    const x = PAD.l + i * bw + bw * 0.1;
    const okH = (plotH * b.succeeded) / max;
    const badH = (plotH * b.failed) / max;
    const base = PAD.t + plotH;
    const g = s(
      'g',
      { class: 'bar' },
      title(
        `${new Date(b.start).toLocaleString()}: ${b.attempts} attempts, ${b.succeeded} succeeded, ${b.failed} failed`,
      ),
    );
    if (b.succeeded)
      g.append(s('rect', { x, y: base - okH, width: bw * 0.8, height: okH, fill: '#1a7f37' }));
    if (b.failed)
      g.append(
        s('rect', {
          x,
          y: base - okH - badH,
          width: bw * 0.8,
          height: badH,
          fill: '#c62828',
          class: 'failed',
        }),
      );
    svg.append(g);
  });
  return svg;
}

/** @param {any} timeline */
export function latencyChart(timeline) {
  const buckets = timeline.buckets;
  const max = niceMax(Math.max(0, ...buckets.map((b) => b.latency_ms.p99 ?? 0)));
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': 'Latency percentiles p50, p95 and p99 in milliseconds',
  });
  axes(svg, buckets, max, ' ms');
  const plotW = W - PAD.l - PAD.r;
  const plotH = H - PAD.t - PAD.b;
  for (const [key, color] of [
    ['p99', '#c2410c'],
    ['p95', '#d97706'],
    ['p50', '#3451b2'],
  ]) {
    /** @type {string[]} */
    const segs = [];
    let pen = 'M';
    buckets.forEach((b, i) => {
      const v = b.latency_ms[key];
      if (v === null) {
        pen = 'M';
        return;
      }
      const x = PAD.l + (plotW * (i + 0.5)) / buckets.length;
      const y = PAD.t + plotH * (1 - v / max);
      segs.push(`${pen}${x.toFixed(1)},${y.toFixed(1)}`);
      pen = 'L';
      svg.append(
        s(
          'circle',
          { cx: x, cy: y, r: 2, fill: color },
          title(`${key} ${v} ms at ${new Date(b.start).toLocaleString()}`),
        ),
      );
    });
    if (segs.length)
      svg.append(
        s('path', { d: segs.join(' '), fill: 'none', stroke: color, 'stroke-width': 1.5 }),
      );
  }
  return svg;
}

export const LATENCY_COLORS = { p50: '#3451b2', p95: '#d97706', p99: '#c2410c' };
