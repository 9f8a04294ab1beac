import type { CliCommand } from '../command.js';

/** Every subcommand, in the order `popkit --help` lists them. */
export const commands: CliCommand<any>[] = [
];
