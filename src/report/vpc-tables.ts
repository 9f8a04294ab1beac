/**
 * VPC output: the bin table and the observations as CSV, and a plot as SVG (one panel per
 * stratum): observations as grey points, observed percentiles as red lines (median solid,
 * outer percentiles dashed), and the prediction intervals of the simulated percentiles as
 * shaded bands (blue for the outer percentiles, red for the median), drawn through the bins'
 * median times.
 */
import { formatValue } from './simulation-tables.js';
import type { VpcBin, VpcResult } from '../simulation/vpc.js';

const pctTag = (p: number): string => `P${String(Math.round(p * 1000) / 10).replace('.', '_').padStart(2, '0')}`;

/** vpc.csv: one row per stratum and bin, observed and simulated percentiles. */
export function vpcBinsCsv(result: VpcResult): string {
  const header = ['STRATUM', 'BIN', 'TIME_LOWER', 'TIME_UPPER', 'TIME_MID', 'N_OBS'];
  for (const p of result.probabilities) header.push(`OBS_${pctTag(p)}`);
  for (const p of result.probabilities) header.push(`SIM_${pctTag(p)}_LO`, `SIM_${pctTag(p)}_MED`, `SIM_${pctTag(p)}_HI`);
  const lines = [header.join(',')];
  for (const b of result.bins) {
    lines.push([
      csvField(b.stratum), String(b.index + 1), formatValue(b.lower), formatValue(b.upper), formatValue(b.midpoint), String(b.nObs),
      ...b.observed.map((x) => formatValue(x)),
      ...b.simulated.flatMap((s) => s.map((x) => formatValue(x))),
    ].join(','));
  }
  return lines.join('\n') + '\n';
}

/** vpc_observations.csv: ID, TIME, DV, PRED, the plotted value (pcDV when corrected), STRATUM, BIN (0 = outside the bins). */
export function vpcObservationsCsv(result: VpcResult): string {
  const lines = [`ID,TIME,DV,PRED,${result.predictionCorrected ? 'PCDV' : 'VALUE'},STRATUM,BIN`];
  for (const o of result.observations) {
    lines.push([csvField(o.id), formatValue(o.time), formatValue(o.dv), formatValue(o.pred), formatValue(o.value), csvField(o.stratum), String(o.bin + 1)].join(','));
  }
  return lines.join('\n') + '\n';
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface VpcPlotOptions {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Log-scaled y axis (non-positive values are left out). */
  readonly logY?: boolean;
}

const PANEL_W = 720, PANEL_H = 420;
const M = { left: 70, right: 20, top: 40, bottom: 50 };
const COLORS = { outerBand: '#9ecae1', medianBand: '#fcbba1', observed: '#cb181d', point: '#7f7f7f', axis: '#333333', grid: '#e5e5e5' };

/** Round-number axis ticks covering [lo, hi] (about `count` of them). */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + 1e-9 * step; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/** The VPC plot as a standalone SVG document. */
export function vpcSvg(result: VpcResult, options: VpcPlotOptions = {}): string {
  const strata = result.strata;
  const height = PANEL_H * strata.length + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${PANEL_W}" height="${height}" viewBox="0 0 ${PANEL_W} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${PANEL_W}" height="${height}" fill="white"/>`,
  ];
  strata.forEach((stratum, s) => {
    const bins = result.bins.filter((b) => b.stratum === stratum && b.nObs > 0);
    const points = result.observations.filter((o) => o.stratum === stratum && o.bin >= 0);
    parts.push(panel(result, stratum, bins, points.map((o) => [o.time, o.value] as const), s * PANEL_H, options, strata.length > 1));
  });
  parts.push(legend(result, height - 30));
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function panel(
  result: VpcResult, stratum: string, bins: readonly VpcBin[], points: readonly (readonly [number, number])[],
  top: number, options: VpcPlotOptions, showStratum: boolean,
): string {
  const log = options.logY ?? false;
  const ys: number[] = [];
  for (const [, y] of points) ys.push(y);
  for (const b of bins) { ys.push(...b.observed); for (const s of b.simulated) ys.push(...s); }
  const finite = ys.filter((y) => Number.isFinite(y) && (!log || y > 0));
  const xs = [...points.map(([x]) => x), ...bins.map((b) => b.lower), ...bins.map((b) => b.upper)];
  let xLo = Math.min(...xs), xHi = Math.max(...xs);
  if (!(xHi > xLo)) { xLo -= 1; xHi += 1; }
  const pad = 0.02 * (xHi - xLo);
  xLo -= pad;
  xHi += pad;
  let yLo = finite.length > 0 ? Math.min(...finite) : 0, yHi = finite.length > 0 ? Math.max(...finite) : 1;
  if (!log) yLo = Math.min(0, yLo);
  if (!(yHi > yLo)) yHi = yLo + 1;
  if (log) yHi *= 1.1; else yHi += 0.04 * (yHi - yLo);
  const tf = (y: number): number => (log ? Math.log10(y) : y);
  const [tLo, tHi] = [tf(yLo), tf(yHi)];
  const w = PANEL_W - M.left - M.right, h = PANEL_H - M.top - M.bottom;
  const X = (x: number): number => M.left + ((x - xLo) / (xHi - xLo)) * w;
  const Y = (y: number): number => top + M.top + h - ((tf(y) - tLo) / (tHi - tLo || 1)) * h;
  const f = (v: number): string => v.toFixed(1);
  const out: string[] = [];
  const title = [options.title ?? (result.predictionCorrected ? 'Prediction-corrected VPC' : 'VPC'), showStratum ? `${result.stratify} = ${stratum}` : '']
    .filter((x) => x !== '').join(' — ');
  out.push(`<text x="${M.left}" y="${f(top + 24)}" font-size="14" font-weight="bold">${escapeXml(title)}</text>`);
  // Grid and axes.
  const xt = niceTicks(xLo, xHi);
  const yt = log ? logTicks(yLo, yHi) : niceTicks(yLo, yHi);
  for (const t of yt) out.push(`<line x1="${M.left}" x2="${M.left + w}" y1="${f(Y(t))}" y2="${f(Y(t))}" stroke="${COLORS.grid}"/>`,
    `<text x="${M.left - 6}" y="${f(Y(t) + 4)}" text-anchor="end">${formatValue(t, 4)}</text>`);
  for (const t of xt) out.push(`<text x="${f(X(t))}" y="${f(top + M.top + h + 18)}" text-anchor="middle">${formatValue(t, 4)}</text>`,
    `<line x1="${f(X(t))}" x2="${f(X(t))}" y1="${f(top + M.top + h)}" y2="${f(top + M.top + h + 5)}" stroke="${COLORS.axis}"/>`);
  out.push(`<rect x="${M.left}" y="${top + M.top}" width="${w}" height="${h}" fill="none" stroke="${COLORS.axis}"/>`);
  out.push(`<text x="${M.left + w / 2}" y="${f(top + PANEL_H - 12)}" text-anchor="middle">${escapeXml(options.xLabel ?? 'Time (h)')}</text>`);
  out.push(`<text transform="translate(18 ${f(top + M.top + h / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel ?? (result.predictionCorrected ? 'Prediction-corrected DV' : 'DV'))}</text>`);
  // Bands of the simulated percentiles.
  const ok = (v: number): boolean => Number.isFinite(v) && (!log || v > 0);
  const band = (q: number, color: string): void => {
    const bs = bins.filter((b) => ok(b.simulated[q]![0]) && ok(b.simulated[q]![2]));
    if (bs.length === 0) return;
    const upper = bs.map((b) => `${f(X(b.midpoint))},${f(Y(b.simulated[q]![2]))}`);
    const lower = bs.map((b) => `${f(X(b.midpoint))},${f(Y(b.simulated[q]![0]))}`).reverse();
    out.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.6" stroke="none"/>`);
  };
  band(0, COLORS.outerBand);
  band(2, COLORS.outerBand);
  band(1, COLORS.medianBand);
  // Observations.
  for (const [x, y] of points) if (ok(y)) out.push(`<circle cx="${f(X(x))}" cy="${f(Y(y))}" r="2" fill="${COLORS.point}" fill-opacity="0.6"/>`);
  // Observed percentiles.
  [0, 1, 2].forEach((q) => {
    const pts = bins.filter((b) => ok(b.observed[q]!)).map((b) => `${f(X(b.midpoint))},${f(Y(b.observed[q]!))}`);
    if (pts.length > 0) out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${COLORS.observed}" stroke-width="${q === 1 ? 2 : 1.5}"${q === 1 ? '' : ' stroke-dasharray="6 4"'}/>`);
  });
  return out.join('\n');
}

function legend(result: VpcResult, y: number): string {
  const [lo, mid, hi] = result.probabilities.map((p) => `${Math.round(p * 100)}th`);
  const pi = `${Math.round(result.interval * 100)}% PI`;
  const items = [
    `<rect x="${M.left}" y="${y - 9}" width="16" height="10" fill="${COLORS.outerBand}"/><text x="${M.left + 22}" y="${y}">simulated ${lo}/${hi} (${pi})</text>`,
    `<rect x="${M.left + 215}" y="${y - 9}" width="16" height="10" fill="${COLORS.medianBand}"/><text x="${M.left + 237}" y="${y}">simulated ${mid} (${pi})</text>`,
    `<line x1="${M.left + 400}" x2="${M.left + 420}" y1="${y - 4}" y2="${y - 4}" stroke="${COLORS.observed}" stroke-width="2"/><text x="${M.left + 426}" y="${y}">observed ${mid}; dashed ${lo}/${hi}</text>`,
  ];
  return `<text x="${PANEL_W - M.right}" y="${y + 18}" text-anchor="end" fill="#666">${result.replicates} replicates</text>\n${items.join('\n')}`;
}

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** e;
      if (t >= lo && t <= hi) out.push(Number(t.toPrecision(6)));
    }
  }
  return out;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
