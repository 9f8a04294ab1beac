import type { Argv, ArgumentsCamelCase } from 'yargs';

/**
 * One subcommand of the `popkit` command line. `run` returns the process exit code;
 * user errors are thrown as PopkitError and printed by main without a stack trace.
 */
export interface CliCommand<A = Record<string, unknown>> {
  readonly command: string;
  readonly describe: string;
  builder(y: Argv): Argv<A>;
  run(args: ArgumentsCamelCase<A>): Promise<number>;
}
