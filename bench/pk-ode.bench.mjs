// Subjects per second through the ODE path (linearOdeSystem(2, 'oral'), default tolerances
// and method 'auto', i.e. DOP853 on this non-stiff model) and, on the same events and
// parameters, through the closed form (ADVAN4), with their ratio; the same workload with
// method 'stiff' (RODAS4); the right-hand-side evaluations per subject (independent of the
// machine's load); and a stiff workload (Michaelis-Menten with KM = 1e-9 µg/L).
// Design: 2-compartment oral model, 28 daily doses of 100 (one record, ADDL 27, II 24) and 50
// observations per subject over the 28 days; individual parameters with 30% log-normal
// variability around CL 2.6, V1 67, Q 4.8, V2 61, KA 1.05 (Oral_2CPT.csv scale).
// Before DOP853 (Cash-Karp 4(5) of the ode45-cash-karp package, same tolerances): 25,811
// evaluations per subject; the evaluations figure below is the one to compare.
import { parseDataset } from '../dist/data/dataset.js';
import { buildAllEvents } from '../dist/events/build.js';
import { closedFormSystem } from '../dist/pk/closed-form.js';
import { linearOdeSystem, michaelisMentenOdeSystem } from '../dist/pk/ode-library.js';
import { odeSystem } from '../dist/pk/ode.js';
import { constantParameters, pkParameterRow } from '../dist/pk/parameters.js';
import { EventLoop, predictSubject } from '../dist/pk/predict.js';

const ODE_SUBJECTS = 1000;
const STIFF_SUBJECTS = 200;
const CLOSED_FORM_SUBJECTS = 10000;

function design() {
  const lines = ['ID,TIME,DV,AMT,EVID,ADDL,II', '1,0,.,100,1,27,24'];
  for (let j = 0; j < 50; j++) lines.push(`1,${(((j + 0.5) * 672) / 50).toFixed(2)},0,.,0,.,.`);
  return parseDataset(lines.join('\n') + '\n', 'bench.csv');
}

/** Deterministic standard normals (Box–Muller on a linear congruential generator). */
function normals(seed) {
  let s = seed >>> 0;
  const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

function population(count, typical = [2.6, 67, 4.8, 61, 1.05]) {
  const z = normals(20240601);
  return Array.from({ length: count }, () =>
    constantParameters(pkParameterRow(3, typical.map((p) => p * Math.exp(0.3 * z())))));
}

function rate(system, events, subjects) {
  const out = new Float64Array(events.observationIndices.length * system.compartments.length);
  const loop = new EventLoop(system);
  for (let i = 0; i < Math.min(50, subjects.length); i++) predictSubject(system, events, subjects[i], out, { loop }); // warm-up
  const start = process.hrtime.bigint();
  for (const p of subjects) predictSubject(system, events, p, out, { loop });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return subjects.length / seconds;
}

/** Mean right-hand-side evaluations per subject (a counting copy of the system). */
function evaluationsPerSubject(system, events, subjects) {
  let evaluations = 0;
  const counting = odeSystem({ ...system, rhs: (t, a, p, dadt) => { evaluations++; system.rhs(t, a, p, dadt); } });
  const out = new Float64Array(events.observationIndices.length * system.compartments.length);
  const countingLoop = new EventLoop(counting);
  for (const p of subjects) predictSubject(counting, events, p, out, { loop: countingLoop });
  return evaluations / subjects.length;
}

export default async function run() {
  const ode = linearOdeSystem(2, 'oral');
  const stiff = linearOdeSystem(2, 'oral', { method: 'stiff' });
  const closedForm = closedFormSystem(2, 'oral');
  const events = buildAllEvents(design(), ode)[0];
  const odeRate = rate(ode, events, population(ODE_SUBJECTS));
  const closedFormRate = rate(closedForm, events, population(CLOSED_FORM_SUBJECTS));
  const stiffRate = rate(stiff, events, population(STIFF_SUBJECTS));
  const evaluations = evaluationsPerSubject(ode, events, population(ODE_SUBJECTS));
  // Michaelis-Menten elimination (VM 800 µg/h, KM 1e-9 µg/L, V1 50 L, Q 5 L/h, V2 60 L,
  // KA 1.05/h): absorption (≤ 105 µg/h) stays below VM, so the central concentration sits
  // near KM·input/(VM − input), where the system is very stiff (rate constants ~1e10/h).
  const mm = michaelisMentenOdeSystem(2, 'oral');
  const mmRate = rate(mm, events, population(STIFF_SUBJECTS, [800, 1e-9, 50, 5, 60, 1.05]));
  const how = '2-cmt oral, 28 daily doses (ADDL), 50 observations/subject, predictSubject, one core';
  return [
    { what: 'ODE predictions (auto = DOP853 here, relTol 1e-8, absTol 1e-12)', how: `${how}, ${ODE_SUBJECTS} subjects`, figure: `${Math.round(odeRate)} subjects/s` },
    { what: 'closed-form predictions (ADVAN4), same design', how: `${how}, ${CLOSED_FORM_SUBJECTS} subjects`, figure: `${Math.round(closedFormRate)} subjects/s` },
    { what: 'ODE / closed form cost ratio', how: 'ratio of the two rates above', figure: `${(closedFormRate / odeRate).toFixed(0)}× slower` },
    { what: 'ODE right-hand-side evaluations per subject (auto)', how: `same design, mean over ${ODE_SUBJECTS} subjects (Cash-Karp 4(5) before: 25,811)`, figure: `${Math.round(evaluations)} evaluations` },
    { what: 'ODE predictions, method stiff (RODAS4), same design', how: `${how}, ${STIFF_SUBJECTS} subjects`, figure: `${Math.round(stiffRate)} subjects/s` },
    { what: 'stiff ODE predictions (Michaelis-Menten, KM 1e-9 µg/L, auto)', how: `2-cmt oral MM (VM 800, V1 50, Q 5, V2 60, KA 1.05), same events, ${STIFF_SUBJECTS} subjects`, figure: `${Math.round(mmRate)} subjects/s` },
  ];
}
