import type { CliCommand } from '../command.js';
import { fitCommand } from './fit.js';
import { lmmCommand } from './lmm.js';
import { predictCommand } from './predict.js';
import { scmCommand } from './scm.js';
import { simulateCommand } from './simulate.js';
import { vpcCommand } from './vpc.js';
import { doseCommand } from './dose.js';

/** Every subcommand, in the order `popkit --help` lists them. */
export const commands: CliCommand<any>[] = [
  fitCommand,
  lmmCommand,
  predictCommand,
  scmCommand,
  simulateCommand,
  vpcCommand,
  doseCommand,
];
