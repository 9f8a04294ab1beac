/**
 * Plain-language status lines for optimizer stop reasons, shared by the optimizers so that
 * every fit record reads the same way.
 */
import type { OptimStopReason } from './types.js';

const STATUS: Record<OptimStopReason, string> = {
  'gradient-tolerance': 'converged: gradient norm below tolerance',
  'function-tolerance': 'converged: relative change of the objective below tolerance',
  'step-tolerance': 'converged: step size below tolerance',
  'max-iterations': 'stopped: maximum number of iterations reached',
  'max-evaluations': 'stopped: maximum number of objective evaluations reached',
  'line-search-failed': 'stopped: no step along the search direction decreased the objective',
  'non-finite-start': 'failed: the objective is not finite at the starting point',
  'callback-stop': 'stopped: the progress callback asked to stop',
  'other': 'stopped',
};

/** The status sentence for a stop reason, e.g. "converged: gradient norm below tolerance". */
export function describeStopReason(reason: OptimStopReason): string {
  return STATUS[reason];
}

/** True for the stop reasons that mean a convergence criterion was met. */
export function isConvergedReason(reason: OptimStopReason): boolean {
  return reason === 'gradient-tolerance' || reason === 'function-tolerance' || reason === 'step-tolerance';
}
