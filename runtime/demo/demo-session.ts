/**
 * `elma demo`: the whole loop, in real processes on this machine (issue 14). An operator's setup
 * (keys, a signed v1, the device enrolled), then a cloud (`elma cloud serve`: the full model, a
 * SQLite hard-question store) and a device (`elma edge --jsonl`, the default model in A/B slots)
 * talk over the encrypted link on loopback:
 *   1. the device answers fresh questions of every difficulty, exiting early when sure and
 *      offloading the rest (its hidden state at the depth limit) to the cloud's 12 layers;
 *   2. the cloud retrains the device's exits on the questions it received (`elma cloud retrain`),
 *      and publishes version 2 when it passes the gate (`elma cloud publish`);
 *   3. the device takes it over the air into its inactive slot, tries it and keeps it;
 *   4. a broken version 3 (signed, but its answer heads flipped) is offered: the device tries it,
 *      its health check fails, it rolls back and keeps answering with version 2;
 *   5. the same questions again; a closing table compares the two rounds.
 * The device's thresholds are made stricter (threshold_scale) so that a round offloads enough
 * questions to learn from; everything else is the committed default model as it is.
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseSquad, type SquadExample } from '../../engine/squad/dataset.ts';
import { prepareDemoDir } from './demo-dir.ts';
import { EXIT_HEAD_PREFIX } from '../../engine/albert/weights.ts';
import { synthesizeSquad } from '../../models/synth/generate.ts';
import { parseSafetensors, serializeSafetensors, toFloat32 } from '../../models/safetensors.ts';
import { ElmaChild, runElma } from './child.ts';
import { closingTable, summarizeRound, type EdgeAnswer, type RoundSummary } from './round-summary.ts';

export interface DemoOptions {
  /** The elma entry point the programs run (bin/elma.js). */
  readonly elma: string;
  readonly root: string;
  readonly dir: string;
  readonly questions: number;
  readonly seed: number;
  readonly thresholdScale: number;
  readonly backend?: string;
  /** A line for the person watching. */
  readonly say: (line: string) => void;
  /** Progress of long steps (training); may redraw one line. */
  readonly progress: (line: string) => void;
}

export interface DemoResult {
  readonly questions: number;
  readonly before: Omit<RoundSummary, 'exits' | 'questions' | 'low_confidence'>;
  readonly after: Omit<RoundSummary, 'exits' | 'questions' | 'low_confidence'>;
  readonly update: { readonly from_version: number; readonly to_version: number };
  readonly broken_bundle: { readonly kept_running: boolean; readonly reason: string };
  readonly retrain: Record<string, unknown>;
  readonly seconds: number;
}

interface Running {
  cloud?: ElmaChild;
  device?: ElmaChild;
}

const DEPTH_LIMIT_FALLBACK = 6;

/** `keepConsole`, when given, gets the running device's console socket before the programs stop. */
export async function runDemo(o: DemoOptions, keepConsole?: (socket: string) => Promise<void>): Promise<DemoResult> {
  const t0 = Date.now();
  const running: Running = {};
  const stopAll = async (): Promise<void> => {
    await running.device?.stop();
    await running.cloud?.stop();
    // What each program said, for whoever wants to read the session again.
    for (const [name, c] of [['device', running.device], ['cloud', running.cloud]] as const) {
      if (c !== undefined && existsSync(o.dir)) writeFileSync(path.join(o.dir, `${name}.log`), [...c.err, ...c.out.filter((l) => !l.startsWith('{'))].join('\n'));
    }
  };
  const onSignal = (): void => { void stopAll().then(() => process.exit(130)); };
  process.once('SIGINT', onSignal);
  try {
    return await session(o, running, t0, keepConsole);
  } finally {
    process.off('SIGINT', onSignal);
    await stopAll();
  }
}

async function session(o: DemoOptions, running: Running, t0: number, keepConsole?: (socket: string) => Promise<void>): Promise<DemoResult> {
  const d = (...p: string[]): string => path.join(o.dir, ...p);
  const elma = (args: string[], okCodes?: number[]): Promise<{ code: number; out: string }> =>
    runElma(o.elma, args, { ...(okCodes === undefined ? {} : { okCodes }), onErrLine: (l) => o.progress(l) });
  const backend = o.backend === undefined ? [] : ['--backend', o.backend];

  // ---- the operator's setup -------------------------------------------------------------------
  o.say(`== setup (in ${o.dir})`);
  prepareDemoDir(o.dir);
  const questions = parseSquad(synthesizeSquad({ seed: o.seed, questions: o.questions }), { source: `synthetic seed ${o.seed}` });
  writeFileSync(d('dev.json'), JSON.stringify(synthesizeSquad({ seed: o.seed + 1, questions: 300 })));
  writeFileSync(d('replay.json'), JSON.stringify(synthesizeSquad({ seed: 1, questions: 600 })));
  const keygen = await elma(['keygen', '--out', d('release.key')]);
  const releasePub = /[0-9a-f]{64}/.exec(keygen.out)?.[0];
  if (releasePub === undefined) throw new Error(`elma keygen printed no public key:\n${keygen.out}`);
  const serverKey = /[0-9a-f]{64}/.exec((await elma(['link-keygen', '--out', d('server.key')])).out)?.[0];
  if (serverKey === undefined) throw new Error('elma link-keygen printed no public key');
  cpSync(path.join(o.root, 'models/default'), d('v1'), { recursive: true });
  await elma(['bundle', 'pack', d('v1'), '--key', d('release.key'), '--version', '1', '--out', d('v1.tar')]);
  o.say('  release key, server key, and the default model signed as version 1');
  const init = await elma(['edge', 'init', '--dir', d('device'), '--cloud', '127.0.0.1:1', '--server-key', serverKey,
    '--release-key', releasePub, '--bundle', d('v1.tar'), '--name', 'jetson-demo']);
  const devicePub = /public key ([0-9a-f]{64})/.exec(init.out)?.[1];
  if (devicePub === undefined) throw new Error(`elma edge init printed no public key:\n${init.out}`);
  writeFileSync(d('devices.json'), '{"version": 1, "devices": []}\n');
  await elma(['link-register', '--registry', d('devices.json'), '--name', 'jetson-demo', '--public-key', devicePub]);
  o.say('  device jetson-demo: config, device key and A/B slots (v1 in slot A), enrolled on the cloud');

  // ---- the cloud --------------------------------------------------------------------------------
  const cloud = new ElmaChild('the cloud', o.elma, ['cloud', 'serve', '--bundle', d('v1'), '--key', d('server.key'), '--registry', d('devices.json'),
    '--store', d('store.sqlite'), '--port', '0', '--bundle-poll-ms', '500', '--publish-dir', d('published'), ...backend]);
  running.cloud = cloud;
  const listening = await cloud.waitFor(/^listening on /, 60_000, 'the cloud listening');
  await cloud.waitFor(/^storing questions/, 60_000, 'the cloud ready');
  const port = Number(listening.slice(listening.lastIndexOf(':') + 1));
  o.say(`== cloud: elma cloud serve on 127.0.0.1:${port} (full model, 12 layers, SQLite store), pid ${cloud.proc.pid}`);

  // ---- the device -------------------------------------------------------------------------------
  const cfgFile = d('device', 'edge.json');
  const cfg = JSON.parse(readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
  Object.assign(cfg, { cloud: `127.0.0.1:${port}`, threshold_scale: o.thresholdScale, offload_form: 'hidden', update_interval_s: 1, console: false, socket: d('device', 'elma.sock'),
    offload_timeout_ms: 30_000, ...(o.backend === undefined ? {} : { backend: o.backend }) });
  writeFileSync(cfgFile, `${JSON.stringify(cfg, null, 2)}\n`);
  const device = new ElmaChild('the device', o.elma, ['edge', '--config', cfgFile, '--jsonl', '--log-format', 'text']);
  running.device = device;
  await device.waitFor(/model elma-default version 1 from slot A/, 60_000, 'the device booting v1');
  const depthLimit = Number(/depth_limit=(\d+)/.exec(device.err.find((l) => /from slot A/.test(l)) ?? '')?.[1] ?? DEPTH_LIMIT_FALLBACK);
  o.say(`== device: elma edge (slot A, v1, depth limit ${depthLimit}, thresholds × ${o.thresholdScale}, offloads its hidden state), pid ${device.proc.pid}`);

  // ---- round 1 ----------------------------------------------------------------------------------
  o.say(`== round 1: ${questions.length} fresh questions of every difficulty`);
  const before = await askRound(o, device, questions, depthLimit, d('round-1.jsonl'));
  o.say(`  ${describe(before.summary)}`);
  for (const line of before.samples) o.say(`  ${line}`);

  // ---- the cloud retrains and publishes ---------------------------------------------------------
  o.say('== the cloud retrains the exits on the questions it received (elma cloud retrain)');
  const retrainRun = await elma(['cloud', 'retrain', '--store', d('store.sqlite'), '--bundle', d('v1'), '--dev', d('dev.json'), '--replay', d('replay.json'),
    '--key', d('release.key'), '--out', d('published'), '--json', ...backend], [0, 2]);
  const retrain = JSON.parse(retrainRun.out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
  const gate = (r: Record<string, unknown>, k: 'before' | 'after'): string => {
    const s = r[k] as { f1?: number; offload_rate?: number } | undefined;
    return s == null ? '?' : `dev F1 ${(s.f1 ?? 0).toFixed(2)}, held-back offload ${(100 * (s.offload_rate ?? 0)).toFixed(1)}%`;
  };
  o.say(`  gate: before ${gate(retrain, 'before')}; after ${gate(retrain, 'after')}: ${retrain.published === true ? 'published' : 'not published'} (${String(retrain.reason ?? '')})`);
  let toVersion = 1;
  if (retrain.published === true) {
    const tar = String(retrain.tar);
    await elma(['cloud', 'publish', '--store', d('store.sqlite'), tar]);
    toVersion = Number(retrain.version);
    await cloud.waitFor(new RegExp(`publishing elma-default version ${toVersion}`), 60_000, `the cloud offering version ${toVersion}`);
    o.say(`  version ${toVersion} signed and put in the store; the cloud offers it`);
    // ---- the device updates over the air --------------------------------------------------------
    o.say(`== the device takes version ${toVersion} over the air: download in chunks, verify, install into slot B, trial boot`);
    await device.waitFor(new RegExp(`now answering with elma-default version ${toVersion}`), 180_000, `the device running version ${toVersion}`);
    for (const l of device.err.filter((x) => /update: (installed|download|trial|kept|good)/.test(x)).slice(-3)) o.say(`  device: ${l.replace(/^\S+ \S+ /, '')}`);
  }

  // ---- a broken bundle --------------------------------------------------------------------------
  o.say(`== a broken version ${toVersion + 1} (signed, its answer heads flipped) is published: the device must not keep it`);
  const brokenDir = d(`broken-v${toVersion + 1}`);
  cpSync(toVersion === 1 ? d('v1') : String(retrain.bundle_dir), brokenDir, { recursive: true });
  rmSync(path.join(brokenDir, 'signature.ed25519'), { force: true });
  flipAnswerHeads(path.join(brokenDir, 'weights.safetensors'));
  await elma(['bundle', 'pack', brokenDir, '--key', d('release.key'), '--version', String(toVersion + 1), '--out', `${brokenDir}.tar`]);
  const errMark = device.err.length;
  await elma(['cloud', 'publish', '--store', d('store.sqlite'), `${brokenDir}.tar`]);
  const outcome = await device.waitFor(/update: (rolled-back|refused)/, 180_000, 'the device refusing or rolling back the broken bundle', { err: errMark, out: device.out.length });
  const reason = outcome.replace(/^.*update: /, '');
  o.say(`  device: ${reason}`);

  // ---- round 2 ----------------------------------------------------------------------------------
  o.say(`== round 2: the same ${questions.length} questions again, on version ${toVersion}`);
  const after = await askRound(o, device, questions, depthLimit, d('round-2.jsonl'));
  o.say(`  ${describe(after.summary)}`);
  // The broken version was refused or rolled back (the outcome above) and the device answered round 2.
  const keptRunning = device.running;

  o.say('');
  o.say(closingTable(before.summary, after.summary, 1, toVersion));
  if (keepConsole !== undefined) await keepConsole(d('device', 'elma.sock'));
  const strip = ({ exits: _e, questions: _q, low_confidence: _l, ...r }: RoundSummary): DemoResult['before'] => r;
  return {
    questions: questions.length, before: strip(before.summary), after: strip(after.summary), update: { from_version: 1, to_version: toVersion },
    broken_bundle: { kept_running: keptRunning, reason }, retrain, seconds: (Date.now() - t0) / 1000,
  };
}

function describe(s: RoundSummary): string {
  const exits = s.exits.map((c, i) => (c > 0 ? `L${i + 1}:${c}` : '')).filter((x) => x !== '').join(' ');
  return `answered on the device: ${s.questions - Math.round(s.offload_rate * s.questions)} (exits ${exits}); offloaded to the cloud: ${Math.round(s.offload_rate * s.questions)}`
    + `${s.low_confidence > 0 ? ` (${s.low_confidence} low-confidence first)` : ''}; F1 ${s.f1.toFixed(2)}; mean layers ${s.mean_layers.toFixed(2)}; ${s.ms_per_question.toFixed(1)} ms per question`;
}

/** Ask every question on the device's JSON-lines input; collect its first answers and the cloud's late ones. */
async function askRound(o: DemoOptions, device: ElmaChild, questions: readonly SquadExample[], depthLimit: number, record: string):
  Promise<{ summary: RoundSummary; samples: string[] }> {
  const first = new Map<string, EdgeAnswer>();
  const late = new Map<string, EdgeAnswer>();
  let mark = device.out.length;
  const read = (): void => {
    for (; mark < device.out.length; mark++) {
      const line = device.out[mark]!;
      if (!line.startsWith('{')) continue;
      const a = JSON.parse(line) as EdgeAnswer & { error?: string };
      if (a.error !== undefined) throw new Error(`the device refused a question: ${a.error}`);
      if (a.id === undefined) continue;
      if (a.late === true) late.set(a.id, a); else first.set(a.id, a);
    }
  };
  const samples: string[] = [];
  const seenLayers = new Set<string>();
  for (let i = 0; i < questions.length; i++) {
    const q = questions[i]!;
    device.write(JSON.stringify({ id: q.id, context: q.context, question: q.question }));
    await device.waitFor(new RegExp(`"id":${JSON.stringify(q.id).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), 120_000, `an answer to ${q.id}`, { out: mark, err: device.err.length });
    read();
    const a = first.get(q.id)!;
    const key = a.source === 'device' ? `L${a.layer}` : a.source;
    if (!seenLayers.has(key) && samples.length < 5) {
      seenLayers.add(key);
      samples.push(`[${q.level ?? '?'}] ${clip(q.question, 60)} → ${a.answer === '' ? '(no answer)' : JSON.stringify(clip(a.answer, 30))} `
        + `(${a.source === 'device' ? `device, exit layer ${a.layer}, entropy ${a.entropy.toFixed(3)} < ${a.threshold.toFixed(3)}` : `${a.source}, 12 layers`}, ${a.ms.toFixed(1)} ms)`);
    }
    o.progress(`  ${i + 1}/${questions.length} answered`);
  }
  // Late answers of low-confidence questions may still be on their way: the outbox resends them.
  const lowConf = [...first.values()].filter((a) => a.source === 'device-low-confidence');
  const deadline = Date.now() + 60_000;
  while (lowConf.some((a) => !late.has(a.id!)) && Date.now() < deadline) {
    await device.waitFor(/"late":true/, Math.max(1, deadline - Date.now()), 'late cloud answers', { out: mark }).catch(() => undefined);
    read();
  }
  // Every answer of the round, with the gold answers beside it, for a second look.
  writeFileSync(record, questions.map((q) => JSON.stringify({ id: q.id, level: q.level, gold: q.answers.map((a) => a.text), first: first.get(q.id), late: late.get(q.id) })).join('\n') + '\n');
  return { summary: summarizeRound(questions, first, late, depthLimit, 12), samples };
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** A bundle that verifies and loads but answers wrongly: every QA head (the final one and each exit) negated. */
function flipAnswerHeads(file: string): void {
  const f = parseSafetensors(readFileSync(file), file);
  const out = new Map<string, { dtype: 'F32'; shape: number[]; data: Float32Array }>();
  for (const [name, t] of f.tensors) {
    const data = toFloat32(t, `${file}: ${name}`);
    const flip = name.startsWith(EXIT_HEAD_PREFIX) || name.startsWith('qa_outputs');
    out.set(name, { dtype: 'F32', shape: [...t.shape], data: flip ? data.map((x) => -x) : data });
  }
  writeFileSync(file, serializeSafetensors(out, f.metadata));
}
