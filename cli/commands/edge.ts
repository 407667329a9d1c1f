/**
 * `elma edge`: the device program (issue 13). `init` writes a config directory (edge.json, a
 * device key, the slots with the first model); `elma edge --config <file>` runs the device: one
 * event loop serving the console, JSON lines on stdin (--jsonl) and a local Unix socket, with the
 * model in a worker thread, unsure questions offloaded, answers given offline and updates taken on
 * a schedule; `console` attaches a console to a running device through its socket (the serial getty
 * runs this). Internal: `--worker-thread` is how the inference worker starts (runtime/edge/worker.ts).
 */
import { existsSync, fstatSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { isMainThread } from 'node:worker_threads';
import { writeFileAtomic } from '../../common/node/atomic-file.ts';
import { generateKeyFile, readPublicKey, toHex } from '../../transport/node/key-file.ts';
import { nodeProvider } from '../../transport/node/node-crypto.ts';
import { readPublicKeyArg } from '../../models/bundle/node/key-file.ts';
import { provisionSlots } from '../../runtime/slots/node/provision.ts';
import { DEFAULT_LATENCY_BUDGET_MS } from '../../runtime/slots/health-check.ts';
import { readEdgeConfig, withPrecision, DEFAULT_OFFLOAD_TIMEOUT_MS } from '../../runtime/edge/config.ts';
import { EdgeDevice, type AnswerLine } from '../../runtime/edge/device.ts';
import { complete, ConsoleSession, decodeLine, formatAnswer, LineSplitter, type InputLine } from '../../runtime/edge/console.ts';
import { answerJson, jsonLine, listenSocket } from '../../runtime/edge/jsonl.ts';
import { makeLogger, type LogFormat } from '../../runtime/edge/log.ts';
import { InferenceWorker, runWorkerThread } from '../../runtime/edge/worker.ts';
import { requireString, UsageError, type CliIO, type Command, type ParsedArgs } from '../command.ts';

const HELP = `Usage: elma edge init --dir <dir> --cloud <host:port> --server-key <hex|file> --release-key <hex|file> [--bundle <dir|tar>] [--name <device>] [--force]
       elma edge --config <edge.json> [--jsonl] [--log-format text|json] [--precision fp32|int8|bf16]
       elma edge console --socket <path>

The device program: one process that answers questions all the time.

init       writes <dir>/edge.json, a device link key <dir>/device.key (mode 0600; prints its public
           key and the elma link-register line that enrols it on the cloud), and provisions
           <dir>/slots with the bundle (default models/default; it must be signed by the release
           key: elma bundle pack) as slot A.
(run)      boots the slots (a pending trial's health check), loads the active model into a worker
           thread and serves: the console on stdin (unless --jsonl or "console": false), JSON lines
           with --jsonl ({"context","question"} in, one {"question","answer","score","layer",
           "entropy","threshold","source","ms"} out; source device | cloud | device-low-confidence,
           and a later line with "late": true when the cloud answers a low-confidence question),
           and the Unix socket of "socket" (JSON lines and console commands). Questions the model
           is unsure of at its depth limit go to the cloud ("offload_form" text or hidden); with the
           cloud unreachable, busy or slow ("offload_timeout_ms") the device answers itself, marked
           low confidence, keeps the question in its outbox and shows the cloud's answer when it
           comes. Every "update_interval_s" (and on the update command) it takes the cloud's model
           update in the background. SIGTERM/SIGINT stop it cleanly (exit 0).
console    a console on a running device, through its Unix socket (for a serial getty or SSH)

edge.json fields: cloud, server_key, device_key, slots, release_key, backend (auto|js|native|onnx),
precision (fp32|int8|bf16, default fp32; int8 and bf16 need backend native or auto), depth_limit, threshold_scale, offload_form (text|hidden), offload_timeout_ms (default
${DEFAULT_OFFLOAD_TIMEOUT_MS}), outbox, update_interval_s (0 = never), console (true|false), socket
(path or null), status_interval_s (default 60). Relative paths are from the file's directory.

Console commands: ask <question>, context <text>, context --file <path>, status, stats, slots,
threshold [scale], update, help, quit.

Options:
  --config <file>         the device's edge.json
  --jsonl                 JSON lines on stdin/stdout instead of the console
  --log-format text|json  the log on stderr (default text)
  --precision fp32|int8|bf16  instead of edge.json's "precision": int8 (bf16) runs the native layer's
                          matrices as int8 (bf16) GEMMs (an int8 bundle runs its own int8 weights);
                          native or auto only; bf16 where the CPU has AVX-512 BF16
  --dir, --cloud, --server-key, --release-key, --bundle, --name, --force   init (see above)
  --socket <path>         console: the device's socket`;

function logFormat(args: ParsedArgs): LogFormat {
  const v = args.values['log-format'] ?? 'text';
  if (v !== 'text' && v !== 'json') throw new UsageError(`--log-format must be text or json, got ${JSON.stringify(v)}`);
  return v;
}

async function init(args: ParsedArgs, io: CliIO): Promise<number> {
  const dir = requireString(args, 'dir');
  const cloud = requireString(args, 'cloud');
  if (!/^(?:\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(cloud)) throw new UsageError(`--cloud must be host:port, got ${JSON.stringify(cloud)}`);
  const serverKey = toHex(readPublicKey(requireString(args, 'server-key'), '--server-key', nodeProvider));
  const releaseKey = readPublicKeyArg(requireString(args, 'release-key'), 'release-key');
  const bundle = typeof args.values.bundle === 'string' ? args.values.bundle : 'models/default';
  const file = path.join(dir, 'edge.json');
  if (existsSync(file) && args.values.force !== true) throw new UsageError(`${file} exists; pass --force to write it again (the key and slots are kept)`);
  mkdirSync(dir, { recursive: true });
  const keyFile = path.join(dir, 'device.key');
  const slots = path.join(dir, 'slots');
  const { availableBackends } = await import('../../runtime/backend-select.ts');
  let depthLimit = 6;
  if (!existsSync(path.join(slots, 'state.json'))) {
    const { state, health } = provisionSlots({
      slots, from: bundle, budgetMs: DEFAULT_LATENCY_BUDGET_MS, now: () => new Date(),
      policy: { trustedKeys: [releaseKey], now: Date.now(), device: { arch: process.arch, backends: availableBackends() } },
    });
    io.stdout(`slots: ${state.slots.A!.modelId} version ${state.lastGoodVersion} provisioned in slot A of ${slots} (${health.summary})\n`);
  } else {
    io.stdout(`slots: ${slots} already provisioned; kept\n`);
  }
  try {
    const { readFileSync } = await import('node:fs');
    const m = JSON.parse(readFileSync(path.join(slots, 'A', 'manifest.json'), 'utf8')) as { exits?: { depth_limit?: number } };
    depthLimit = m.exits?.depth_limit ?? depthLimit;
  } catch { /* keep the default */ }
  const pub = existsSync(keyFile)
    ? readPublicKey(keyFile, 'device.key', nodeProvider)
    : generateKeyFile(keyFile, nodeProvider).publicKey;
  const config = {
    cloud, server_key: serverKey, device_key: 'device.key', slots: 'slots', release_key: toHex(releaseKey),
    backend: 'auto', precision: 'fp32', depth_limit: depthLimit, threshold_scale: 1, offload_form: 'text', offload_timeout_ms: DEFAULT_OFFLOAD_TIMEOUT_MS,
    outbox: 'outbox', update_interval_s: 3600, console: true, socket: 'edge.sock', status_interval_s: 60,
  };
  writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
  const name = typeof args.values.name === 'string' ? args.values.name : path.basename(path.resolve(dir));
  io.stdout(`config: ${file}\ndevice key: ${keyFile}\npublic key ${toHex(pub)}\nenrol it on the cloud: elma link-register --registry <devices.json> --name ${name} --public-key ${toHex(pub)}\nthen run: elma edge --config ${file}\n`);
  return 0;
}

/** Lines of stdin as raw bytes (bounded per line), for pipes, serial lines and --jsonl. */
function stdinLines(onLine: (l: InputLine) => void, onEnd: () => void): void {
  const split = new LineSplitter();
  process.stdin.on('data', (b: Buffer) => { for (const l of split.push(b)) onLine(l); });
  process.stdin.on('end', () => { for (const l of split.end()) onLine(l); onEnd(); });
  process.stdin.on('error', () => onEnd());
}

function stdinIsNull(): boolean {
  try {
    return process.stdin.isTTY !== true && fstatSync(0).isCharacterDevice();
  } catch {
    return true;
  }
}

async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const configFile = requireString(args, 'config');
  const format = logFormat(args);
  const config = withPrecision(readEdgeConfig(configFile), args.values.precision, configFile);
  const log = makeLogger(format, io.stderr);
  const jsonl = args.values.jsonl === true;
  const say = (l: string): void => io.stdout(`${l}\n`);
  let layers = 0;
  let onLate = (a: AnswerLine): void => say(jsonl ? answerJson({ ...a }) : formatAnswer(a, layers));
  const dev = await EdgeDevice.start({ config, configFile, log, onLate: (a) => onLate(a), inference: (onFatal) => new InferenceWorker(onFatal) });
  layers = dev.model.layers;
  let server: net.Server | undefined;
  let done!: (why: string) => void;
  const finished = new Promise<string>((r) => { done = r; });
  try {
    if (config.socket !== null) server = await listenSocket(dev, config.socket, log);
  } catch (e) {
    await dev.stop();
    throw e;
  }
  const onSignal = (sig: string) => () => done(sig);
  const term = onSignal('SIGTERM'), int = onSignal('SIGINT');
  process.once('SIGTERM', term);
  process.once('SIGINT', int);

  if (jsonl) {
    const asked = new Set<Promise<void>>();
    stdinLines((l) => {
      const p = jsonLine(dev, l, say).finally(() => asked.delete(p));
      asked.add(p);
    }, () => { void Promise.all(asked).then(() => done('end of input')); });
  } else if (config.console && !stdinIsNull()) {
    if (process.stdin.isTTY === true) {
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout, completer: complete, historySize: 1000, terminal: true, prompt: 'elma> ' });
      const ttySay = (l: string): void => { process.stdout.write(`\r\x1b[K${l}\n`); rl.prompt(true); };
      const session = new ConsoleSession(dev, ttySay);
      onLate = (a) => session.late(a);
      say(`elma edge: ${dev.model.modelId} version ${dev.model.version}; help lists the commands`);
      let chain = Promise.resolve();
      rl.on('line', (text) => {
        chain = chain.then(async () => {
          if (await session.input(decodeLine(Buffer.from(text, 'utf8'))) === 'quit') { rl.close(); done('quit'); } else rl.prompt();
        });
      });
      rl.on('close', () => { void chain.then(() => done('end of input')); });
      rl.on('SIGINT', () => done('SIGINT'));
      rl.prompt();
    } else {
      const session = new ConsoleSession(dev, say);
      onLate = (a) => session.late(a);
      let chain = Promise.resolve();
      let quit = false;
      stdinLines((l) => {
        chain = chain.then(async () => {
          if (quit) return;
          if (await session.input(l) === 'quit') { quit = true; done('quit'); }
        });
      }, () => { void chain.then(() => done('end of input')); });
    }
  } else {
    log('info', 'console off; serving the socket and the link until SIGTERM');
  }
  const why = await finished;
  process.off('SIGTERM', term);
  process.off('SIGINT', int);
  process.stdin.pause();
  log('info', `stopping (${why})`);
  await new Promise<void>((r) => { if (server === undefined) r(); else server.close(() => r()); });
  await dev.stop();
  log('info', `stopped; ${dev.outboxSize} request(s) wait in the outbox`, { questions: dev.stats.questions });
  // Whatever handle might linger (a socket in its linger time), the program is done.
  setTimeout(() => process.exit(process.exitCode ?? 0), 1500).unref();
  process.stdin.destroy();
  return 0;
}

async function consoleClient(args: ParsedArgs, io: CliIO): Promise<number> {
  const file = requireString(args, 'socket');
  const sock = net.connect(file);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', (e: NodeJS.ErrnoException) => reject(new UsageError(`${file}: ${e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? 'no device program listens there (is elma edge running?)' : e.message}`)));
  });
  const closed = new Promise<void>((r) => sock.on('close', () => r()));
  sock.on('error', () => undefined);
  if (process.stdin.isTTY === true) {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout, completer: complete, historySize: 1000, terminal: true, prompt: 'elma> ' });
    sock.setEncoding('utf8');
    sock.on('data', (t: string) => { process.stdout.write(`\r\x1b[K${t}`); rl.prompt(true); });
    rl.on('line', (l) => sock.write(`${l}\n`));
    rl.on('close', () => sock.end());
    rl.prompt();
    await closed;
    rl.close();
  } else {
    sock.pipe(process.stdout, { end: false });
    process.stdin.pipe(sock);
    await closed;
    process.stdin.destroy();
  }
  io.stderr('');
  return 0;
}

export const edgeCommand: Command = {
  name: 'edge',
  summary: 'The device program: console, JSON lines and a Unix socket; offloads unsure questions, answers offline, updates itself (init, console)',
  help: HELP,
  options: {
    config: { type: 'string' }, jsonl: { type: 'boolean' }, 'log-format': { type: 'string' }, precision: { type: 'string' }, 'worker-thread': { type: 'boolean' },
    dir: { type: 'string' }, cloud: { type: 'string' }, 'server-key': { type: 'string' }, 'release-key': { type: 'string' },
    bundle: { type: 'string' }, name: { type: 'string' }, force: { type: 'boolean' }, socket: { type: 'string' },
  },
  positionals: { min: 0, max: 1 },
  async run(args, io) {
    if (args.values['worker-thread'] === true) {
      if (isMainThread) throw new UsageError('--worker-thread is internal: elma edge starts its worker with it');
      return runWorkerThread();
    }
    const sub = args.positionals[0];
    if (sub === 'init') return init(args, io);
    if (sub === 'console') return consoleClient(args, io);
    if (sub !== undefined) throw new UsageError(`unknown subcommand "${sub}"; known: init, console`);
    return run(args, io);
  },
};
