/**
 * The fit's record table (`<out>/table.csv`, like NONMEM's $TABLE): one row per data record
 * with ID, TIME, DV, MDV, PRED, IPRED, RES, WRES, IWRES, CWRES, NPDE, the subject's EBEs and
 * individual parameters. Predictions and residuals exist for observation records only; other
 * records (doses, MDV = 1) carry '.' there. Without the dataset's records the table has the
 * observation records only, and TIME is '.'.
 */
import type { DataRecord } from '../data/types.js';
import type { FitResult } from '../estimation/types.js';
import { csvField } from './csv.js';

/** CSV text of the record table (header line included, '\n' line ends). */
export function fitTableCsv(fit: FitResult, records?: readonly DataRecord[]): string {
  const etaNames = fit.omegaNames.map((n) => n.toUpperCase());
  const ipNames = fit.individualParameterNames;
  const header = ['ID', 'TIME', 'DV', 'MDV', 'PRED', 'IPRED', 'RES', 'WRES', 'IWRES', 'CWRES', 'NPDE', ...etaNames, ...ipNames];
  const lines = [header.join(',')];
  const bySubject = new Map(fit.subjects.map((s) => [s.id, s]));
  const obsAt = new Map<number, { subject: (typeof fit.subjects)[number]; j: number }>();
  for (const s of fit.subjects) s.obsRecords.forEach((r, j) => obsAt.set(r, { subject: s, j }));
  const tail = (s: (typeof fit.subjects)[number] | undefined): string[] => [
    ...fit.omegaNames.map((_, m) => (s ? cell(s.eta[m]) : '.')),
    ...ipNames.map((_, m) => (s?.individualParameters ? cell(s.individualParameters[m]) : '.')),
  ];
  const obsCells = (s: (typeof fit.subjects)[number], j: number): string[] => [
    cell(s.pred[j]), cell(s.ipred[j]), cell(s.res[j]), cell(s.wres[j]), cell(s.iwres[j]), cell(s.cwres[j]),
    s.npde ? cell(s.npde[j]) : '.',
  ];
  if (records) {
    for (const rec of records) {
      const o = obsAt.get(rec.index);
      const s = o?.subject ?? bySubject.get(rec.id);
      const base = [csvField(rec.id), cell(rec.time)];
      if (o) lines.push([...base, cell(o.subject.dv[o.j]), '0', ...obsCells(o.subject, o.j), ...tail(s)].join(','));
      else lines.push([...base, Number.isFinite(rec.dv) ? cell(rec.dv) : '.', '1', '.', '.', '.', '.', '.', '.', '.', ...tail(s)].join(','));
    }
  } else {
    for (const s of fit.subjects) {
      for (let j = 0; j < s.dv.length; j++) lines.push([csvField(s.id), '.', cell(s.dv[j]), '0', ...obsCells(s, j), ...tail(s)].join(','));
    }
  }
  return lines.join('\n') + '\n';
}

function cell(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(10))) : '.';
}
