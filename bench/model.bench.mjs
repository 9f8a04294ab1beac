// Cost of the model layer: compiling, binding, and one evaluation of all subjects —
// evaluate, evaluateWithDerivatives (symbolic ∂/∂η plus central differences of the event
// loop along ∂PK/∂η) and, for comparison, central differences of evaluate in every η.
import { loadModelFile, readModelDataset } from '../dist/io/model-file.js';
import { compileModel } from '../dist/subject/compile.js';
import { bindModel } from '../dist/subject/bind.js';

function timePerCall(fn, minMs = 300) {
  for (const t0 = performance.now(); performance.now() - t0 < minMs / 2;) fn(); // warm-up (JIT)
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < minMs) { fn(); n++; now = performance.now(); }
  return (now - start) / n;
}

function fmt(ms) {
  return ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} µs`;
}

export default async function run() {
  const rows = [];
  for (const file of ['models/pheno.pkm', 'models/oral_2cpt.pkm', 'models/oral_1cpt_mm.pkm']) {
    const model = loadModelFile(file);
    const dataset = readModelDataset(model);
    const compileMs = timePerCall(() => compileModel(model), 200);
    const bound = bindModel(model, dataset);
    const theta = Float64Array.from(model.theta.map((t) => t.init));
    const nEta = bound.nEta, nEps = bound.nEps;
    const eta = new Float64Array(nEta).fill(0.05);
    const buffers = bound.subjects.map((s) => ({
      f: new Float64Array(s.nObs), h: new Float64Array(s.nObs * nEps),
      df: new Float64Array(s.nObs * nEta), dh: new Float64Array(s.nObs * nEps * nEta),
    }));
    const subjects = file.includes('mm') ? bound.subjects.slice(0, 20) : bound.subjects;
    const what = `${model.name} (${subjects.length} subjects, ${subjects.reduce((n, s) => n + s.nObs, 0)} observations, ${nEta} etas)`;
    const evalMs = timePerCall(() => subjects.forEach((s, i) => s.evaluate(theta, eta, buffers[i].f, buffers[i].h)));
    const derivMs = timePerCall(() => subjects.forEach((s, i) => s.evaluateWithDerivatives(theta, eta, buffers[i].f, buffers[i].h, buffers[i].df, buffers[i].dh)));
    const fdMs = timePerCall(() => subjects.forEach((s, i) => {
      const b = buffers[i];
      s.evaluate(theta, eta, b.f, b.h);
      for (let e = 0; e < nEta; e++) {
        const p = eta.slice(); p[e] += 1e-6; s.evaluate(theta, p, b.f, b.h);
        const m = eta.slice(); m[e] -= 1e-6; s.evaluate(theta, m, b.f, b.h);
      }
    }));
    rows.push({ what: `compile ${model.name}`, how: 'compileModel (parse, symbolic derivatives, code generation), mean of repeated calls', figure: fmt(compileMs) });
    rows.push({ what: `evaluate, ${what}`, how: 'all subjects once, mean of repeated passes', figure: fmt(evalMs) });
    rows.push({ what: `evaluateWithDerivatives, ${what}`, how: 'all subjects once (f, h, ∂f/∂η, ∂h/∂η)', figure: `${fmt(derivMs)} (${(derivMs / evalMs).toFixed(1)}× evaluate)` });
    rows.push({ what: `central differences of evaluate in η, ${what}`, how: '1 + 2·nEta evaluations per subject, for comparison', figure: `${fmt(fdMs)} (${(fdMs / evalMs).toFixed(1)}× evaluate)` });
  }
  return rows;
}
