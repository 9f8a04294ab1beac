import yargs from 'yargs';
import { PopkitError } from '../errors.js';
import { commands } from './commands/index.js';

/**
 * Run the command line with `argv` (without node and script path) and return the exit
 * code: 0 success, 1 a result the user must look at (e.g. a fit that did not converge),
 * 2 a user error (bad data, model or arguments), 3 an internal error.
 */
export async function main(argv: string[]): Promise<number> {
  ignoreClosedPipe();
  let exitCode = 0;
  let parser = yargs(argv)
    .scriptName('popkit')
    .usage('$0 <command> [options]\n\nPopulation pharmacokinetics and linear mixed models.')
    .strict()
    .demandCommand(1, 'Name a command; `popkit --help` lists them.')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new PopkitError(`${msg ?? 'invalid arguments'}\nRun 'popkit --help' for usage.`);
    });
  for (const c of commands) {
    parser = parser.command(c.command, c.describe, (y) => c.builder(y), async (args) => {
      exitCode = await c.run(args);
    });
  }
  try {
    await parser.parseAsync();
    return exitCode;
  } catch (err) {
    if (err instanceof PopkitError) {
      process.stderr.write(`popkit: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`popkit: internal error (please report it): ${(err as Error)?.stack ?? String(err)}\n`);
    return 3;
  }
}

/** `popkit ... | head` closes stdout early: stop quietly instead of failing on EPIPE. */
function ignoreClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
