/**
 * The device program on elma-qjs (issue 18), the entry of its bundle (qjs-edge-bundle.ts):
 *
 *   elma-qjs elma-qjs-edge.js [edge] --config <edge.json> [--jsonl] [--log-format text|json]
 *   elma-qjs elma-qjs-edge.js edge console --socket <path>
 *   elma-qjs elma-qjs-edge.js slots init --slots <dir> --from <bundle> --pubkey <key> [--budget-ms MS]
 *   elma-qjs elma-qjs-edge.js link-keygen --out <file> [--force]
 *   elma-qjs elma-qjs-edge.js --version | --help
 *
 * The device image (docs/image.md, `--runtime qjs`) runs it as `elma`, so the commands are the
 * Node device program's (cli/device-commands.ts) where elma-qjs has them: the device itself, the
 * console client the serial getty runs (qjs-console-client.ts), and the two provisioning commands
 * install.sh runs (qjs-provision.ts). `ask`, `update`, `bundle`, `edge init` and the other `slots`
 * subcommands stay Node commands and are refused by name.
 *
 * `elma edge --config` is what it runs under Node (cli/commands/edge.ts), on the same device code:
 * runtime/edge's EdgeDevice (the slots booted with their trial health check, the outbox, the
 * Noise link to the cloud with offloads and late answers, updates into the inactive slot), its
 * console, JSON lines and Unix socket. What differs is the host's: the model runs on the event
 * loop (InlineInference) rather than in a worker thread, Node's APIs come from node-api/ over
 * elma:host, the kernels are elma:kernels, the crypto the @noble provider, and a terminal gets a
 * plain line console (no readline editing).
 *
 * Bad input is one line on stderr, "elma-qjs: <problem>", exit 2 for usage and 1 otherwise;
 * SIGTERM and SIGINT stop the device cleanly (exit 0), as under Node.
 */
import './node-api/polyfills.ts';
import * as host from 'elma:host';
import { fstatSync } from 'node:fs';
import type { Server } from 'node:net';
import { readEdgeConfig } from '../../runtime/edge/config.ts';
import { EdgeDevice, type AnswerLine } from '../../runtime/edge/device.ts';
import { ConsoleSession, formatAnswer, LineSplitter, type InputLine } from '../../runtime/edge/console.ts';
import { InlineInference } from '../../runtime/edge/inference.ts';
import { answerJson, jsonLine, listenSocket } from '../../runtime/edge/jsonl.ts';
import { makeLogger, type LogFormat } from '../../runtime/edge/log.ts';
import { UsageError } from '../../runtime/usage-error.ts';
import { consoleClient, CONSOLE_USAGE } from './qjs-console-client.ts';
import { linkKeygen, LINK_KEYGEN_USAGE, slotsInit, SLOTS_INIT_USAGE } from './qjs-provision.ts';

const USAGE = 'usage: elma-qjs <elma-qjs-edge.js> --config <edge.json> [--jsonl] [--log-format text|json]';

interface Options { config: string; jsonl: boolean; format: LogFormat }

function parseOptions(args: readonly string[]): Options {
  let config: string | undefined, jsonl = false, format: LogFormat = 'text';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value; ${USAGE}`);
      return v;
    };
    if (a === '--config') config = value();
    else if (a === '--jsonl') jsonl = true;
    else if (a === '--log-format') {
      const v = value();
      if (v !== 'text' && v !== 'json') throw new UsageError(`--log-format must be text or json, got ${JSON.stringify(v)}`);
      format = v;
    } else if (a === '--help' || a === '-h') {
      host.writeStdout(`${USAGE}\n`);
      host.exit(0);
    } else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}; ${USAGE}`);
    else throw new UsageError(`unexpected argument "${a}"; ${USAGE}`);
  }
  if (config === undefined) throw new UsageError(`--config <edge.json> is required; ${USAGE}`);
  return { config, jsonl, format };
}

/** Lines of stdin as raw bytes (bounded per line), as the Node program reads them (LineSplitter). */
function stdinLines(onLine: (l: InputLine) => void, onEnd: () => void): host.Stream {
  const split = new LineSplitter();
  const stdin = host.net.stdin();
  stdin.start({
    data: (ab) => { for (const l of split.push(Buffer.from(ab))) onLine(l); },
    end: () => { for (const l of split.end()) onLine(l); onEnd(); },
    error: () => onEnd(),
  });
  return stdin;
}

/** /dev/null (a character device that is no terminal) on stdin: no console, as under Node. */
function stdinIsNull(): boolean {
  try {
    return !host.isatty(0) && fstatSync(0).isCharacterDevice();
  } catch {
    return true;
  }
}

async function runEdge(args: readonly string[]): Promise<void> {
  const o = parseOptions(args);
  const config = readEdgeConfig(o.config);
  const log = makeLogger(o.format, (l) => host.writeStderr(l));
  const say = (l: string): void => host.writeStdout(`${l}\n`);
  let layers = 0;
  let onLate = (a: AnswerLine): void => say(o.jsonl ? answerJson({ ...a }) : formatAnswer(a, layers));
  const dev = await EdgeDevice.start({ config, configFile: o.config, log, onLate: (a) => onLate(a), inference: () => new InlineInference() });
  layers = dev.model.layers;
  let server: Server | undefined;
  let done!: (why: string) => void;
  const finished = new Promise<string>((r) => { done = r; });
  try {
    if (config.socket !== null) server = await listenSocket(dev, config.socket, log);
  } catch (e) {
    await dev.stop();
    throw e;
  }
  const term = (): void => done('SIGTERM'), int = (): void => done('SIGINT');
  process.once('SIGTERM', term);
  process.once('SIGINT', int);

  let stdin: host.Stream | undefined;
  if (o.jsonl) {
    const asked = new Set<Promise<void>>();
    stdin = stdinLines((l) => {
      const p = jsonLine(dev, l, say).finally(() => asked.delete(p));
      asked.add(p);
    }, () => { void Promise.all(asked).then(() => done('end of input')); });
  } else if (config.console && !stdinIsNull()) {
    const tty = host.isatty(0);
    const prompt = (): void => { if (tty) host.writeStdout('elma> '); };
    const session = new ConsoleSession(dev, say);
    onLate = (a) => session.late(a);
    if (tty) say(`elma edge (elma-qjs): ${dev.model.modelId} version ${dev.model.version}; help lists the commands`);
    prompt();
    let chain = Promise.resolve();
    let quit = false;
    stdin = stdinLines((l) => {
      chain = chain.then(async () => {
        if (quit) return;
        if (await session.input(l) === 'quit') { quit = true; done('quit'); } else prompt();
      });
    }, () => { void chain.then(() => done('end of input')); });
  } else {
    log('info', 'console off; serving the socket and the link until SIGTERM');
  }
  const why = await finished;
  process.off('SIGTERM', term);
  process.off('SIGINT', int);
  stdin?.pause();
  log('info', `stopping (${why})`);
  await new Promise<void>((r) => { if (server === undefined) r(); else server.close(() => r()); });
  await dev.stop();
  log('info', `stopped; ${dev.outboxSize} request(s) wait in the outbox`, { questions: dev.stats.questions });
  stdin?.destroy();
  // As the Node program: whatever handle might linger (a socket in its linger time), it is done.
  setTimeout(() => process.exit(0), 1500).unref();
}

const HELP = `elma on elma-qjs: the device program (docs/qjs-runtime.md)
  ${USAGE.replace('usage: elma-qjs <elma-qjs-edge.js>', 'elma edge')}
  ${CONSOLE_USAGE.replace('usage: ', '')}
  ${SLOTS_INIT_USAGE.replace('usage: ', '')}
  ${LINK_KEYGEN_USAGE.replace('usage: ', '')}
  elma --version
Run directly: elma-qjs <elma-qjs-edge.js> <command> ... (edge is the default command).
Node's device program also has ask, update, bundle, edge init and slots status|boot|mark-good|mark-bad;
on elma-qjs the console (elma edge console) has slots, status, update and ask.`;

/** The Node device program's commands that elma-qjs does not run, and what to use instead. */
const NODE_ONLY: Readonly<Record<string, string>> = {
  ask: 'the console\'s ask, or elma edge --jsonl',
  update: 'the console\'s update (elma edge console)',
  bundle: 'a machine with Node (elma bundle verify|pack)',
  cloud: 'the cloud program', train: 'a development machine', build: 'a development machine',
};

function exitWith(code: number): never {
  return host.exit(code);
}

/** The command in `args` (edge by default) and its arguments. */
async function main(args: readonly string[]): Promise<void> {
  const [first, second] = args;
  const asksHelp = args.includes('--help') || args.includes('-h');
  if (first === undefined) return runEdge(args);
  if (first === '--version') {
    host.writeStdout(`elma (elma-qjs, QuickJS ${process.versions.quickjs}, ${process.arch})\n`);
    return exitWith(0);
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    host.writeStdout(`${HELP}\n`);
    return exitWith(0);
  }
  if (first === 'edge' && second === 'console') {
    if (asksHelp) { host.writeStdout(`${CONSOLE_USAGE}\n`); return exitWith(0); }
    return exitWith(await consoleClient(args.slice(2)));
  }
  if (first === 'edge' && second === 'init') {
    throw new UsageError('edge init is a Node command (provisioning at the factory); on elma-qjs, install.sh provisions with slots init and link-keygen');
  }
  if (first === 'edge') return runEdge(args.slice(1));
  if (first === 'slots') {
    if (second !== 'init') throw new UsageError(`slots${second === undefined ? '' : ` ${second}`}: elma-qjs has slots init only (the console's slots command shows their status); ${SLOTS_INIT_USAGE}`);
    if (asksHelp) { host.writeStdout(`${SLOTS_INIT_USAGE}\n`); return exitWith(0); }
    return exitWith(slotsInit(args.slice(2)));
  }
  if (first === 'link-keygen') {
    if (asksHelp) { host.writeStdout(`${LINK_KEYGEN_USAGE}\n`); return exitWith(0); }
    return exitWith(linkKeygen(args.slice(1)));
  }
  const instead = Object.hasOwn(NODE_ONLY, first) ? NODE_ONLY[first] : undefined;
  if (instead !== undefined) throw new UsageError(`${first}: not in the elma-qjs device program (it runs edge, edge console, slots init, link-keygen); use ${instead}`);
  if (!first.startsWith('-')) throw new UsageError(`unknown command "${first}"; elma-qjs runs edge, edge console, slots init, link-keygen (--help)`);
  return runEdge(args);
}

main(host.args).catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  host.writeStderr(`elma-qjs: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  host.exit(e instanceof UsageError ? 2 : 1);
});
