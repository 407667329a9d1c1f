/**
 * A small SVG line chart with a left and a right y axis, for `elma eval --plot` (F1 and mean
 * layers against the exit threshold). Plain SVG 1.1, no dependencies, readable in any browser.
 */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly axis: 'left' | 'right';
  readonly color: string;
}

export interface ChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly leftLabel: string;
  readonly rightLabel: string;
  readonly series: readonly Series[];
  /** Vertical marker, e.g. the chosen threshold. */
  readonly marker?: { readonly x: number; readonly label: string };
}

const W = 720, H = 420, M = { left: 70, right: 70, top: 50, bottom: 60 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function range(values: number[]): [number, number] {
  let lo = Math.min(...values), hi = Math.max(...values);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

export function lineChartSvg(c: ChartSpec): string {
  const xs = c.series.flatMap((s) => s.points.map((p) => p[0]));
  const [x0, x1] = range(xs);
  const yr = (axis: 'left' | 'right'): [number, number] => range(c.series.filter((s) => s.axis === axis).flatMap((s) => s.points.map((p) => p[1])));
  const ranges = { left: yr('left'), right: yr('right') };
  const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
  const sx = (x: number): number => M.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number, axis: 'left' | 'right'): number => { const [a, b] = ranges[axis]; return M.top + ph - ((y - a) / (b - a)) * ph; };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">${esc(c.title)}</text>`,
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const fx = x0 + ((x1 - x0) * i) / 5;
    parts.push(`<text x="${sx(fx).toFixed(1)}" y="${H - M.bottom + 18}" text-anchor="middle">${fx.toFixed(2)}</text>`);
    for (const axis of ['left', 'right'] as const) {
      const [a, b] = ranges[axis];
      const fy = a + ((b - a) * i) / 5;
      const x = axis === 'left' ? M.left - 6 : W - M.right + 6;
      parts.push(`<text x="${x}" y="${(sy(fy, axis) + 4).toFixed(1)}" text-anchor="${axis === 'left' ? 'end' : 'start'}">${fy.toFixed(1)}</text>`);
    }
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${(M.top + (ph * i) / 5).toFixed(1)}" y2="${(M.top + (ph * i) / 5).toFixed(1)}" stroke="#eee"/>`);
  }
  parts.push(`<text x="${W / 2}" y="${H - 16}" text-anchor="middle">${esc(c.xLabel)}</text>`);
  parts.push(`<text transform="translate(18 ${H / 2}) rotate(-90)" text-anchor="middle">${esc(c.leftLabel)}</text>`);
  parts.push(`<text transform="translate(${W - 14} ${H / 2}) rotate(90)" text-anchor="middle">${esc(c.rightLabel)}</text>`);
  c.series.forEach((s, i) => {
    const d = s.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${sx(p[0]).toFixed(1)},${sy(p[1], s.axis).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    parts.push(`<rect x="${M.left + 10}" y="${M.top + 10 + i * 18}" width="12" height="3" fill="${s.color}"/>`);
    parts.push(`<text x="${M.left + 28}" y="${M.top + 15 + i * 18}">${esc(s.name)} (${s.axis} axis)</text>`);
  });
  if (c.marker !== undefined) {
    const x = sx(c.marker.x).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${M.top}" y2="${M.top + ph}" stroke="#999" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${x}" y="${M.top - 6}" text-anchor="middle" fill="#555">${esc(c.marker.label)}</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
