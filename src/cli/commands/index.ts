import type { CliCommand } from '../command.js';
import { lmmCommand } from './lmm.js';
import { predictCommand } from './predict.js';

/** Every subcommand, in the order `popkit --help` lists them. */
export const commands: CliCommand<any>[] = [
  lmmCommand,
  predictCommand,
];
