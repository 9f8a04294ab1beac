// Subjects per second through the ODE path (linearOdeSystem(2, 'oral'), default tolerances)
// and, on the same events and parameters, through the closed form (ADVAN4), with their ratio.
// Design: 2-compartment oral model, 28 daily doses of 100 (one record, ADDL 27, II 24) and 50
// observations per subject over the 28 days; individual parameters with 30% log-normal
// variability around CL 2.6, V1 67, Q 4.8, V2 61, KA 1.05 (Oral_2CPT.csv scale).
import { parseDataset } from '../dist/data/dataset.js';
import { buildAllEvents } from '../dist/events/build.js';
import { closedFormSystem } from '../dist/pk/closed-form.js';
import { linearOdeSystem } from '../dist/pk/ode-library.js';
import { constantParameters, pkParameterRow } from '../dist/pk/parameters.js';
import { predictSubject } from '../dist/pk/predict.js';

const ODE_SUBJECTS = 1000;
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

function population(count) {
  const z = normals(20240601);
  const typical = [2.6, 67, 4.8, 61, 1.05];
  return Array.from({ length: count }, () =>
    constantParameters(pkParameterRow(3, typical.map((p) => p * Math.exp(0.3 * z())))));
}

function rate(system, events, subjects) {
  const out = new Float64Array(events.observationIndices.length * system.compartments.length);
  for (let i = 0; i < Math.min(50, subjects.length); i++) predictSubject(system, events, subjects[i], out); // warm-up
  const start = process.hrtime.bigint();
  for (const p of subjects) predictSubject(system, events, p, out);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return subjects.length / seconds;
}

export default async function run() {
  const ode = linearOdeSystem(2, 'oral');
  const closedForm = closedFormSystem(2, 'oral');
  const events = buildAllEvents(design(), ode)[0];
  const odeRate = rate(ode, events, population(ODE_SUBJECTS));
  const closedFormRate = rate(closedForm, events, population(CLOSED_FORM_SUBJECTS));
  const how = '2-cmt oral, 28 daily doses (ADDL), 50 observations/subject, predictSubject, one core';
  return [
    { what: 'ODE predictions (Cash-Karp, relTol 1e-8, absTol 1e-12)', how: `${how}, ${ODE_SUBJECTS} subjects`, figure: `${Math.round(odeRate)} subjects/s` },
    { what: 'closed-form predictions (ADVAN4), same design', how: `${how}, ${CLOSED_FORM_SUBJECTS} subjects`, figure: `${Math.round(closedFormRate)} subjects/s` },
    { what: 'ODE / closed form cost ratio', how: 'ratio of the two rates above', figure: `${(closedFormRate / odeRate).toFixed(0)}× slower` },
  ];
}
