/**
 * The `cw` command line. Each command lives in commands/<name>.command.ts and is registered
 * here; `main` returns the exit code so tests can run it in-process.
 */
import { Command, CommanderError } from 'commander';
import { crdCommand } from './commands/crd.command.js';
import { platformCommand } from './commands/platform.command.js';
import { renderCommand } from './commands/render.command.js';
import { signingKeysCommand } from './commands/signing-keys.command.js';
import { synthCommand } from './commands/synth.command.js';
import { validateCommand } from './commands/validate.command.js';
import { CliError, processIo, type Io } from './io.js';

export function buildProgram(io: Io = processIo): Command {
  const program = new Command('cw')
    .description(
      'ContextWeaver platform command line: Tenant CRD, validation, previews (render/synth), signing-key rotation',
    )
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  for (const command of [
    crdCommand(io),
    validateCommand(io),
    renderCommand(io),
    synthCommand(io),
    platformCommand(io),
    signingKeysCommand(io),
  ]) {
    program.addCommand(
      command.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) }),
    );
  }
  return program;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return error.exitCode;
    }
    if (error instanceof CliError) {
      io.err(`cw: ${error.message}`);
      return error.exitCode;
    }
    io.err(
      `cw: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return 70;
  }
}
