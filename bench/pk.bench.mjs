// Closed-form prediction speed: 2-compartment oral model (ADVAN4), 28 daily doses and
// 50 observations per subject, 10,000 subjects with different individual parameters.
// Events are built once per subject (as a fit does); the prediction rate and the
// event-building rate are reported separately. Single thread.
import { parseDataset } from '../dist/data/dataset.js';
import { buildAllEvents } from '../dist/events/build.js';
import { closedFormSystem } from '../dist/pk/closed-form.js';
import { constantParameters, pkParameterRow } from '../dist/pk/parameters.js';
import { EventLoop, predictSubject } from '../dist/pk/predict.js';

const SUBJECTS = 10_000;
const DOSES = 28;
const OBSERVATIONS = 50;

function datasetText() {
  const lines = ['ID,TIME,DV,AMT,EVID,MDV,CMT,II,ADDL'];
  const span = DOSES * 24;
  for (let id = 1; id <= SUBJECTS; id++) {
    lines.push(`${id},0,.,100,1,1,1,24,${DOSES - 1}`);
    for (let j = 1; j <= OBSERVATIONS; j++) {
      const t = ((j * span) / OBSERVATIONS).toFixed(3);
      lines.push(`${id},${t},1,.,0,0,2,.,.`);
    }
  }
  return lines.join('\n') + '\n';
}

/** Deterministic pseudo-random numbers in (0, 1) (LCG), so every run predicts the same subjects. */
function uniforms(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
}

export default async function run() {
  const dataset = parseDataset(datasetText(), 'bench-2cmt-oral.csv');
  const system = closedFormSystem(2, 'oral');
  const rand = uniforms(12345);
  const params = [];
  for (let i = 0; i < SUBJECTS; i++) {
    const e = () => Math.exp(0.3 * (rand() - 0.5));
    params.push(constantParameters(pkParameterRow(3, [5 * e(), 50 * e(), 10 * e(), 100 * e(), 1.2 * e()])));
  }

  buildAllEvents(dataset, system); // warm-up
  const t0 = performance.now();
  const events = buildAllEvents(dataset, system);
  const buildSeconds = (performance.now() - t0) / 1000;

  const out = new Float64Array(OBSERVATIONS * 3);
  let checksum = 0;
  const loop = new EventLoop(system);
  for (let i = 0; i < 1000; i++) predictSubject(system, events[i], params[i], out, { loop }); // warm-up
  const t1 = performance.now();
  for (let i = 0; i < SUBJECTS; i++) {
    predictSubject(system, events[i], params[i], out, { loop });
    checksum += out[OBSERVATIONS * 3 - 2];
  }
  const predictSeconds = (performance.now() - t1) / 1000;
  if (!Number.isFinite(checksum)) throw new Error('non-finite predictions');

  return [
    {
      what: 'closed-form predictions, 2-cmt oral, 28 daily doses + 50 observations per subject',
      how: `predictSubject over ${SUBJECTS} subjects with distinct parameters, events prebuilt, one thread`,
      figure: `${Math.round(SUBJECTS / predictSeconds).toLocaleString('en-US')} subjects/s`,
    },
    {
      what: 'event building, same design (1 dose record with ADDL 27 + 50 observations per subject)',
      how: `buildAllEvents over ${SUBJECTS} subjects (dataset already read), one thread`,
      figure: `${Math.round(SUBJECTS / buildSeconds).toLocaleString('en-US')} subjects/s`,
    },
  ];
}
