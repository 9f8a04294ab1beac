/**
 * Entry of a worker thread that evaluates a block of subjects for the population objective
 * (see src/io/threads/subject-pool.ts). It reports through the shared control block:
 * 'ready' once it has rebuilt its subjects, 'failed' (with the error posted on its port)
 * when anything throws, 'exited' when the thread stops. The work is in
 * subject-worker-serve.ts, imported here so that a failure to load it is reported too.
 * Runs from the compiled library (dist/io/threads/subject-worker.js).
 */
import { workerData } from 'node:worker_threads';
import type { WorkerFailure } from '../../estimation/subject-worker-setup.js';
import type { SubjectWorkerData } from './subject-pool.js';
import { WORKER_SLOT, WORKER_STATE, workerSlotBase } from '../../estimation/subject-worker-state.js';

const data = workerData as SubjectWorkerData;
const base = workerSlotBase(data.worker);

function signal(state: number): void {
  Atomics.store(data.control, base + WORKER_SLOT.state, state);
  Atomics.notify(data.control, base + WORKER_SLOT.done);
}

process.on('exit', (code) => {
  if (Atomics.load(data.control, base + WORKER_SLOT.state) === WORKER_STATE.failed) return;
  Atomics.store(data.control, base + WORKER_SLOT.exitCode, code);
  signal(WORKER_STATE.exited);
});

try {
  const { serveSubjects } = await import('./subject-worker-serve.js');
  serveSubjects(data, () => signal(WORKER_STATE.ready));
  data.port.close();
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
  const failure: WorkerFailure = { kind: 'failure', name: e.name, message: e.message };
  data.port.postMessage(failure);
  signal(WORKER_STATE.failed);
}
