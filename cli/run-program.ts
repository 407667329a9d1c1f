/**
 * Running one `elma` program: parses arguments per command, prints help, and turns errors into one
 * clear line on stderr (never a stack trace for user errors; ELMA_DEBUG=1 shows the stack of an
 * unexpected failure). The command list is the program's: the development program has every
 * command (main.ts), the device and cloud programs their own (device-commands.ts,
 * cloud-commands.ts), so that each esbuild bundle holds only the code its commands import.
 */
import { ElmaError } from '../engine/errors.ts';
import { UsageError, type CliIO, type Command } from './command.ts';
import { parseCommandLine } from './parse-command-line.ts';

function overview(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `elma: early-exit ALBERT question answering with encrypted offloading

Usage: elma <command> [options]      elma <command> --help

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}
`;
}

async function* linesOf(stream: NodeJS.ReadableStream): AsyncIterable<string> {
  let buf = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) {
    buf += chunk as string;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      yield buf.slice(0, nl);
      buf = buf.slice(nl + 1);
    }
  }
  if (buf !== '') yield buf;
}

export const nodeIO: CliIO = {
  stdout: (t) => { process.stdout.write(t); },
  stderr: (t) => { process.stderr.write(t); },
  stdin: () => linesOf(process.stdin),
  interactive: process.stderr.isTTY === true,
};

/** A file system error with a path, in words (Node's own messages repeat the path and the syscall). */
const FILE_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EROFS: 'is on a read-only file system',
};

export async function runProgram(commands: readonly Command[], argv: readonly string[], io: CliIO = nodeIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(overview(commands));
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.stdout('elma 0.1.0\n');
    return 0;
  }
  const cmd: Command | undefined = commands.find((c) => c.name === name);
  if (cmd === undefined) {
    io.stderr(`elma: unknown command "${name}"\n\n${overview(commands)}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${cmd.help}\n`);
    return 0;
  }
  try {
    const parsed = parseCommandLine(cmd.options, rest);
    const p = cmd.positionals ?? { min: 0, max: 0 };
    if (parsed.positionals.length < p.min || parsed.positionals.length > p.max) {
      throw new UsageError(p.max === 0 ? `takes no positional arguments, got ${parsed.positionals.join(' ')}`
        : `expects ${p.min === p.max ? p.min : `${p.min} to ${p.max}`} positional argument(s), got ${parsed.positionals.length}`);
    }
    return await cmd.run(parsed, io);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) {
      io.stderr(`elma ${cmd.name}: ${(e as Error).message}\n${cmd.help.split('\n')[0] ?? ''}\n`);
      return 2;
    }
    if (e instanceof ElmaError) {
      io.stderr(`elma ${cmd.name}: ${e.message}\n`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (typeof err.code === 'string' && typeof err.path === 'string') {
      io.stderr(`elma ${cmd.name}: ${err.path}: ${FILE_ERRORS[err.code] ?? err.message}\n`);
      return 1;
    }
    io.stderr(`elma ${cmd.name}: internal error: ${err.message ?? String(e)}\n`);
    if (process.env.ELMA_DEBUG === '1') io.stderr(`${err.stack ?? ''}\n`);
    return 70;
  }
}
