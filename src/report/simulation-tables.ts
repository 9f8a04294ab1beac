/**
 * Tables and summaries of a regimen simulation: CSV text (numbers with 8 significant digits;
 * NA marks a value that is not estimable, e.g. AUC∞ without a terminal slope) and a short
 * readable summary of exposure percentiles and target attainment.
 */
import type { SimulationDesign } from '../simulation/design.js';
import { METRIC_NAMES, type MetricName } from '../simulation/metrics.js';
import { populationValue } from '../simulation/population.js';
import { isPerKg, regimenToDoses } from '../simulation/regimen.js';
import type { RegimenSimulation } from '../simulation/simulate.js';
import { summarize, targetAttainment, type QuantitySummary, type TargetAttainment, type Target } from '../simulation/summary.js';

/** A number for CSV/text: 8 significant digits, NA for NaN, ±Inf spelled out. */
export function formatValue(x: number, digits = 8): string {
  if (Number.isNaN(x)) return 'NA';
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : '-Inf';
  return String(Number(x.toPrecision(digits)));
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** profiles.csv: one row per subject and sampling time — ID, TIME (h), IPRED, DV. */
export function profilesCsv(sim: RegimenSimulation): string {
  const m = sim.times.length;
  const lines: string[] = ['ID,TIME,IPRED,DV'];
  for (let i = 0; i < sim.n; i++) {
    for (let k = 0; k < m; k++) {
      lines.push(`${i + 1},${formatValue(sim.times[k]!)},${formatValue(sim.ipred[i * m + k]!)},${formatValue(sim.dv[i * m + k]!)}`);
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * subjects.csv: one row per subject — ID, SOURCE_ID (resampled populations), covariates, η,
 * and the exposure metrics when the simulation has a window.
 */
export function subjectsCsv(sim: RegimenSimulation): string {
  const pop = sim.population;
  const nEta = sim.etaNames.length;
  const W = METRIC_NAMES.length;
  const header = ['ID', ...(pop.sourceIds ? ['SOURCE_ID'] : []), ...pop.names, ...sim.etaNames, ...(sim.metrics ? METRIC_NAMES : [])];
  const lines: string[] = [header.map(csvField).join(',')];
  for (let i = 0; i < sim.n; i++) {
    const row: string[] = [String(i + 1)];
    if (pop.sourceIds) row.push(csvField(pop.sourceIds[i]!));
    for (const col of pop.columns) {
      const v = col[i]!;
      row.push(typeof v === 'number' ? formatValue(v) : csvField(v));
    }
    for (let e = 0; e < nEta; e++) row.push(formatValue(sim.eta[i * nEta + e]!));
    if (sim.metrics) for (let j = 0; j < W; j++) row.push(formatValue(sim.metrics[i * W + j]!));
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

/** Percentiles of the profiles at each sampling time (type 7). */
export function profilePercentilesCsv(sim: RegimenSimulation, probabilities: readonly number[] = [0.05, 0.5, 0.95]): string {
  const m = sim.times.length;
  const tag = (p: number): string => `P${String(Math.round(p * 1000) / 10).replace('.', '_').padStart(2, '0')}`;
  const header = ['TIME', ...probabilities.map((p) => `IPRED_${tag(p)}`), ...probabilities.map((p) => `DV_${tag(p)}`)];
  const lines = [header.join(',')];
  for (let k = 0; k < m; k++) {
    const ip = summarize('IPRED', sim.ipred, sim.n, m, k, probabilities);
    const dv = summarize('DV', sim.dv, sim.n, m, k, probabilities);
    lines.push([formatValue(sim.times[k]!), ...ip.percentiles.map((x) => formatValue(x)), ...dv.percentiles.map((x) => formatValue(x))].join(','));
  }
  return lines.join('\n') + '\n';
}

/** Summaries of each exposure metric across subjects. */
export function metricSummaries(sim: RegimenSimulation): QuantitySummary[] {
  if (!sim.metrics) return [];
  const W = METRIC_NAMES.length;
  return METRIC_NAMES.map((name, j) => summarize(name, sim.metrics!, sim.n, W, j));
}

/** Target attainment of every target over the simulated subjects. */
export function attainments(sim: RegimenSimulation, targets: readonly Target[]): TargetAttainment[] {
  if (!sim.metrics) return [];
  return targets.map((t) => targetAttainment(t, sim.metrics!, sim.n, METRIC_NAMES.length));
}

const METRIC_LABELS: Readonly<Record<MetricName, string>> = {
  CMAX: 'Cmax', TMAX: 'Tmax (h)', CMIN: 'Cmin', CTROUGH: 'Ctrough', AUC: 'AUC (window)', AUCINF: 'AUC to inf',
  LAMBDAZ: 'lambda_z (1/h)', TABOVE: 'T>threshold (h)', FTABOVE: 'fT>threshold',
};

/** What the summary says about the run. */
export interface SimulationSummaryInput {
  readonly title: string;
  readonly lines: readonly string[];
  readonly sim: RegimenSimulation;
  readonly targets: readonly Target[];
  /** Include the time-above-threshold rows. */
  readonly threshold?: number;
}

/** A readable summary: the run, exposure percentiles over the window, target attainment. */
export function formatSimulationSummary(input: SimulationSummaryInput): string {
  const { sim } = input;
  const out: string[] = [input.title, ...input.lines.map((l) => `  ${l}`)];
  const summaries = metricSummaries(sim);
  if (summaries.length > 0 && sim.window) {
    out.push('', `Exposure over ${formatValue(sim.window.start, 6)}-${formatValue(sim.window.end, 6)} h, predictions without residual error (percentiles across subjects):`);
    const cols = ['P5', 'P25', 'median', 'P75', 'P95', 'mean'];
    out.push(`  ${'metric'.padEnd(18)}${cols.map((c) => c.padStart(12)).join('')}`);
    for (const s of summaries) {
      const name = s.name as MetricName;
      if ((name === 'TABOVE' || name === 'FTABOVE') && input.threshold === undefined) continue;
      const values = [...s.percentiles, s.mean].map((x) => formatValue(x, 5).padStart(12)).join('');
      out.push(`  ${METRIC_LABELS[name].padEnd(18)}${values}${s.notEstimable > 0 ? `   (${s.notEstimable} not estimable)` : ''}`);
    }
  }
  const pta = attainments(sim, input.targets);
  if (pta.length > 0) {
    out.push('', 'Probability of target attainment:');
    for (const a of pta) {
      const pct = Number.isNaN(a.probability) ? 'NA' : `${(100 * a.probability).toFixed(1)}%`;
      out.push(`  ${a.target.text.padEnd(24)}${pct.padStart(7)}  (${a.attained} of ${a.evaluable} subjects)`);
    }
  }
  return out.join('\n') + '\n';
}

/**
 * data.csv: the simulated subjects as a NONMEM-style dataset that `popkit fit` reads — one
 * dose record per dose (EVID 1) and one observation per sampling time with the simulated DV
 * (EVID 0), covariates on every record. A sample at a dose time comes before that dose, as in
 * the simulation. Columns: ID, TIME, AMT, CMT, RATE, DUR, EVID, MDV, DV, then the covariates.
 */
export function simulatedDataCsv(sim: RegimenSimulation, design: SimulationDesign): string {
  const pop = sim.population;
  const weightName = design.weightCovariate ?? 'WT';
  const m = sim.times.length;
  const lines = [['ID', 'TIME', 'AMT', 'CMT', 'RATE', 'DUR', 'EVID', 'MDV', 'DV', ...pop.names].map(csvField).join(',')];
  for (let i = 0; i < sim.n; i++) {
    const covs = pop.columns.map((c) => (typeof c[i] === 'number' ? formatValue(c[i] as number, 12) : csvField(String(c[i]))));
    const weight = populationValue(pop, weightName, i);
    const records = regimenToDoses(design.regimen, design.doseTargets, isPerKg(design.regimen) ? Number(weight) : undefined);
    const doseRows: { time: number; text: string }[] = [];
    for (const d of records) {
      for (let k = 0; k <= d.addl; k++) {
        const t = d.time + k * d.ii;
        doseRows.push({ time: t, text: [i + 1, formatValue(t, 12), formatValue(d.amt, 12), d.cmt, formatValue(d.rate, 12), formatValue(d.dur, 12), 1, 1, '.', ...covs].join(',') });
      }
    }
    doseRows.sort((a, b) => a.time - b.time);
    let next = 0;
    for (let k = 0; k < m; k++) {
      const t = sim.times[k]!;
      while (next < doseRows.length && doseRows[next]!.time < t) lines.push(doseRows[next++]!.text);
      lines.push([i + 1, formatValue(t, 12), 0, 0, 0, 0, 0, 0, formatValue(sim.dv[i * m + k]!, 12), ...covs].join(','));
    }
    while (next < doseRows.length) lines.push(doseRows[next++]!.text);
  }
  return lines.join('\n') + '\n';
}
