// A log–log line chart as inline SVG: one line per series, a point per size, hollow where the
// figure was computed rather than built. Log scales on both axes because the sizes span four
// decades and a flat series must look flat next to one growing with N.
import { esc, vpcColour } from './escape.ts';

export interface PlotSeries {
  readonly label: string;
  /** [x, y, measured] per point; y ≤ 0 is drawn at the axis floor (log scale). */
  readonly points: readonly (readonly [number, number, boolean])[];
}

const W = 460;
const H = 260;
const L = 64;
const R = 16;
const T = 28;
const B = 40;

const decades = (lo: number, hi: number): number[] => {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
};

const short = (v: number): string => (v >= 1e9 ? `${v / 1e9}G` : v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : String(v));

export function logLogPlot(title: string, yLabel: string, series: readonly PlotSeries[]): string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => Math.max(1, p[1])));
  if (xs.length === 0) return '';
  const xt = decades(Math.min(...xs), Math.max(...xs));
  const yt = decades(1, Math.max(10, ...ys));
  const [x0, x1] = [Math.log10(xt[0]), Math.log10(xt[xt.length - 1])];
  const [y0, y1] = [Math.log10(yt[0]), Math.log10(yt[yt.length - 1])];
  const px = (x: number): number => L + ((Math.log10(x) - x0) / Math.max(1e-9, x1 - x0)) * (W - L - R);
  const py = (y: number): number => H - B - ((Math.log10(Math.max(1, y)) - y0) / Math.max(1e-9, y1 - y0)) * (H - T - B);
  const grid = [
    ...xt.map(
      (x) =>
        `<line x1="${px(x)}" y1="${T}" x2="${px(x)}" y2="${H - B}" stroke="#eaecee"/><text x="${px(x)}" y="${H - B + 16}" text-anchor="middle">${short(x)}</text>`,
    ),
    ...yt.map(
      (y) =>
        `<line x1="${L}" y1="${py(y)}" x2="${W - R}" y2="${py(y)}" stroke="#eaecee"/><text x="${L - 6}" y="${py(y) + 4}" text-anchor="end">${short(y)}</text>`,
    ),
  ].join('');
  const lines = series
    .map((s, i) => {
      const c = vpcColour(i);
      const pts = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
      const dots = s.points
        .map(
          ([x, y, m]) =>
            `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3.5" fill="${m ? c : '#fff'}" stroke="${c}" stroke-width="1.5"><title>${esc(`${s.label}: ${y.toLocaleString('en-US')} at ${x.toLocaleString('en-US')} hosts${m ? '' : ' (computed)'}`)}</title></circle>`,
        )
        .join('');
      const legend = `<rect x="${L + 8 + i * 150}" y="8" width="10" height="10" fill="${c}"/><text x="${L + 22 + i * 150}" y="17">${esc(s.label)}</text>`;
      return `<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="2"/>${dots}${legend}`;
    })
    .join('');
  return (
    `<figure class="plot"><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">` +
    `${grid}<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#717d7e"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#717d7e"/>` +
    `<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle">hosts in the cluster</text>` +
    `<text x="14" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(T + H - B) / 2})">${esc(yLabel)}</text>` +
    `${lines}</svg><figcaption>${esc(title)}</figcaption></figure>`
  );
}
