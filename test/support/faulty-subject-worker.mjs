// A subject worker thread (dist/io/threads/subject-worker.js) that fails as
// POPKIT_TEST_WORKER_FAULT says: 'mismatch' (its subjects differ from the calling thread's,
// found while it starts), or, after a normal start, in its first command: 'throw' (an
// exception), 'exit' (process.exit(7)) or 'hang' (never returns, like a thread that died
// silently). Used by test/io/subject-threads.test.ts through the objective's workerScript.
import { workerData } from 'node:worker_threads';
import { WORKER_SLOT, WORKER_STATE, workerSlotBase } from '../../dist/estimation/subject-worker-state.js';

const fault = process.env.POPKIT_TEST_WORKER_FAULT;
if (fault === 'mismatch') workerData.check.f[0] *= 1 + 1e-15;
const stateSlot = workerSlotBase(workerData.worker) + WORKER_SLOT.state;
const log = Math.log;
Math.log = (x) => {
  if (Atomics.load(workerData.control, stateSlot) === WORKER_STATE.ready) {
    if (fault === 'throw') throw new RangeError('injected fault');
    if (fault === 'exit') process.exit(7);
    if (fault === 'hang') for (;;);
  }
  return log(x);
};
await import('../../dist/io/threads/subject-worker.js');
