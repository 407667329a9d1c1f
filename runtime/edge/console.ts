/**
 * The device console (issue 13), line based so it works on a serial getty and plain pipes as well
 * as over SSH: `ask`, `context`, `status`, `stats`, `slots`, `threshold`, `update`, `help`, `quit`.
 * Every line is checked before it is acted on: empty lines are ignored, over-long lines and binary
 * bytes are refused with one line, unknown commands get the nearest known one suggested. The same
 * sessions serve the Unix socket's text lines.
 */
import { readFileSync, statSync } from 'node:fs';
import { EngineInputError } from '../../engine/errors.ts';
import { ConsoleListener, LISTEN_HELP } from '../voice/console-listener.ts';
import { readState } from '../slots/node/state-store.ts';
import { SLOT_NAMES } from '../slots/slot-state.ts';
import { clip, type AnswerLine, type EdgeDevice } from './device.ts';
import { describePrecision } from './inference.ts';

/** The link carries contexts up to 200,000 characters; a console line may hold `context ` and one. */
export const MAX_LINE = 200_016;
export const MAX_CONTEXT = 200_000;
export const MAX_QUESTION = 4096;

export const COMMANDS = ['ask', 'listen', 'context', 'status', 'stats', 'slots', 'threshold', 'update', 'help', 'quit'] as const;

const HELP = `commands:
  context <text>         the text questions are asked about (long texts are read in overlapping windows)
  context --file <path>  the same, from a file
  ask <question>         answer a question about the context
${LISTEN_HELP}
  status                 model, slot, link, outbox
  stats                  counters: questions, exits per layer, offloads, low-confidence and late answers, latency
  slots                  the A/B slots and their state
  threshold [scale]      show or set the multiplier of the model's exit thresholds (higher: exits sooner)
  update                 check the cloud for a model update now (answering goes on meanwhile)
  help                   this list
  quit                   stop
an answer's score is its share among the model's n best candidate spans and "no answer"; its entropy
is the exit head's uncertainty over every possible span (0 sure, 1 uniform), which early exit compares
with the layer's threshold: a high score can stand beside a high entropy`;

/** A raw input line as bytes were read: its text, or why it cannot be taken. */
export type InputLine = { text: string } | { oversize: number } | { binary: string };

/** Split raw bytes into lines with bounded memory: a line over `max` bytes is dropped and reported by its size. */
export class LineSplitter {
  readonly #max: number;
  #parts: Buffer[] = [];
  #len = 0;
  #over = 0;
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(max = MAX_LINE * 4) {
    this.#max = max;
  }

  push(chunk: Buffer): InputLine[] {
    const out: InputLine[] = [];
    let from = 0;
    for (let nl = chunk.indexOf(10, from); nl >= 0; nl = chunk.indexOf(10, from)) {
      this.#take(chunk.subarray(from, nl));
      out.push(this.#finish());
      from = nl + 1;
    }
    this.#take(chunk.subarray(from));
    return out;
  }

  /** The last line when the input ends without a newline. */
  end(): InputLine[] {
    return this.#len > 0 || this.#over > 0 ? [this.#finish()] : [];
  }

  #take(b: Buffer): void {
    if (b.length === 0) return;
    if (this.#over > 0 || this.#len + b.length > this.#max) {
      this.#over += this.#len + b.length;
      this.#parts = [];
      this.#len = 0;
      return;
    }
    this.#parts.push(b);
    this.#len += b.length;
  }

  #finish(): InputLine {
    const over = this.#over;
    const buf = Buffer.concat(this.#parts);
    this.#parts = [];
    this.#len = 0;
    this.#over = 0;
    if (over > 0) return { oversize: over };
    return decodeLine(buf, this.#decoder);
  }
}

/** A line's bytes as text, refused when not UTF-8 or holding control bytes (other than tab and a final CR). */
export function decodeLine(buf: Uint8Array, decoder = new TextDecoder('utf-8', { fatal: true })): InputLine {
  let text: string;
  try {
    text = decoder.decode(buf);
  } catch {
    return { binary: 'not UTF-8 text' };
  }
  if (text.endsWith('\r')) text = text.slice(0, -1);
  // eslint-disable-next-line no-control-regex
  const ctl = /[\u0000-\u0008\u000b-\u001f\u007f]/.exec(text);
  if (ctl !== null) return { binary: `control byte 0x${ctl[0].charCodeAt(0).toString(16).padStart(2, '0')} at character ${ctl.index + 1}` };
  return { text };
}

export function refusal(line: InputLine): string | undefined {
  if ('oversize' in line) return `refused: a line of ${line.oversize} bytes; the longest taken is ${MAX_LINE} (a context up to ${MAX_CONTEXT} characters: use context --file for long texts)`;
  if ('binary' in line) return `refused: binary input (${line.binary}); the console takes text lines`;
  if (line.text.length > MAX_LINE) return `refused: a line of ${line.text.length} characters; the longest taken is ${MAX_LINE}`;
  return undefined;
}

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

export function nearestCommand(word: string): string {
  const w = word.toLowerCase();
  return [...COMMANDS].sort((x, y) => levenshtein(w, x) - levenshtein(w, y) || (x.startsWith(w[0] ?? '') ? -1 : 1))[0]!;
}

/** Tab completion of the command word (node:readline completer). */
export function complete(line: string): [string[], string] {
  if (line.includes(' ')) return [[], line];
  const hits = COMMANDS.filter((c) => c.startsWith(line));
  return [hits.length > 0 ? hits.map((h) => `${h} `) : [...COMMANDS], line];
}

const f3 = (x: number): string => x.toFixed(3);
const f4 = (x: number): string => x.toFixed(4);

export function formatAnswer(a: AnswerLine, layers: number): string {
  const span = a.answer === '' ? '(no answer)' : JSON.stringify(a.answer);
  const ent = a.source === 'cloud' && a.layer === 0 ? `device entropy ${f4(a.entropy)} vs threshold ${f4(a.threshold)}`
    : `entropy ${f4(a.entropy)} ${a.entropy < a.threshold ? '<' : '≥'} threshold ${f4(a.threshold)}`;
  const where = a.source === 'device' ? 'device' : a.source === 'cloud' ? (a.late === true ? 'cloud, late' : 'cloud') : `device, low confidence: ${a.note ?? 'the cloud did not answer'}`;
  const layer = a.source === 'cloud' ? `cloud layer ${a.layer}` : `exit layer ${a.layer} of ${layers}`;
  const head = a.late === true ? `late answer for ${JSON.stringify(clip(a.question))}: ${span}` : `answer: ${span}`;
  const windows = (a.windows ?? 1) > 1 ? `  ${a.windows} windows` : '';
  return `${head}  score ${f3(a.score)}  ${layer}  ${ent}  ${a.ms.toFixed(1)} ms${windows}  [${where}]`;
}

export type Say = (line: string) => void;

/** One console: its context, its commands. `handle` resolves after the command's output; 'quit' to end. */
export class ConsoleSession {
  readonly #dev: EdgeDevice;
  readonly #say: Say;
  #context: string | undefined;
  readonly #listener: ConsoleListener;

  constructor(dev: EdgeDevice, say: Say) {
    this.#dev = dev;
    this.#say = say;
    this.#listener = new ConsoleListener(say, (q) => this.#answer(q), process.env, () => dev.model.dir);
  }

  /** A late cloud answer to one of this console's questions. */
  late(a: AnswerLine): void {
    this.#say(formatAnswer(a, this.#dev.model.layers));
  }

  async input(line: InputLine): Promise<'quit' | undefined> {
    const why = refusal(line);
    if (why !== undefined) {
      this.#dev.stats.refused++;
      this.#say(why);
      return undefined;
    }
    return this.command((line as { text: string }).text);
  }

  /** Answer `question` about the current context and print the answer (ask, and listen's transcript). */
  async #answer(question: string): Promise<void> {
    const dev = this.#dev;
    try {
      const a = await dev.ask(this.#context!, question, (l) => this.late(l));
      this.#say(formatAnswer(a, dev.model.layers));
    } catch (e) {
      if (e instanceof EngineInputError) {
        // The text's fault (unreadable, too long), not the device's: say why and take the next line.
        dev.stats.refused++;
        this.#say(`refused: ${e.message}`);
      } else {
        dev.stats.errors++;
        this.#say(`could not answer: ${(e as Error).message}`);
      }
    }
  }

  async command(raw: string): Promise<'quit' | undefined> {
    const text = raw.trim();
    // A spoken question waiting for "did you mean …? [y/n]": this line is the answer.
    if (this.#listener.pending) {
      await this.#listener.confirm(text);
      return undefined;
    }
    if (text === '' || text.startsWith('#')) return undefined;
    const sp = text.search(/\s/);
    const word = sp < 0 ? text : text.slice(0, sp);
    const rest = sp < 0 ? '' : text.slice(sp + 1).trim();
    const dev = this.#dev;
    switch (word) {
      case 'help': case '?':
        this.#say(HELP);
        return undefined;
      case 'quit': case 'exit':
        this.#listener.close();
        return 'quit';
      case 'context': {
        if (rest === '') {
          this.#say(this.#context === undefined ? 'no context yet: context <text> or context --file <path>' : `context: ${this.#context.length} characters: ${JSON.stringify(clip(this.#context, 80))}`);
          return undefined;
        }
        let ctx = rest;
        if (rest.startsWith('--file')) {
          const file = rest.slice(6).trim();
          if (file === '') { this.#say('context --file needs a path'); return undefined; }
          try {
            const size = statSync(file).size;
            if (size > MAX_CONTEXT * 4) { this.#say(`refused: ${file} has ${size} bytes; a context is at most ${MAX_CONTEXT} characters`); return undefined; }
            const got = decodeLine(readFileSync(file).subarray(0).map((b) => (b === 10 || b === 13 || b === 9 ? 32 : b)));
            if (!('text' in got)) { this.#say(`refused: ${file} is not text (${'binary' in got ? got.binary : ''})`); return undefined; }
            ctx = got.text.replace(/ {2,}/g, ' ').trim();
            if (ctx === '') { this.#say(`refused: ${file} holds no text (${size === 0 ? 'empty' : 'only whitespace'})`); return undefined; }
          } catch (e) {
            this.#say(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
            return undefined;
          }
        }
        if (ctx.length > MAX_CONTEXT) { this.#say(`refused: a context of ${ctx.length} characters; the most is ${MAX_CONTEXT}`); return undefined; }
        this.#context = ctx;
        this.#say(`context set: ${ctx.length} characters`);
        return undefined;
      }
      case 'ask': {
        if (rest === '') { this.#say('ask needs a question: ask <question>'); return undefined; }
        if (this.#context === undefined) { this.#say('no context yet: give the text first with context <text> or context --file <path>'); return undefined; }
        if (rest.length > MAX_QUESTION) { this.#say(`refused: a question of ${rest.length} characters; the most is ${MAX_QUESTION}`); return undefined; }
        await this.#answer(rest);
        return undefined;
      }
      case 'listen': {
        if (this.#context === undefined) { this.#say('no context yet: give the text first with context <text> or context --file <path>'); return undefined; }
        await this.#listener.listen(rest, this.#context);
        return undefined;
      }
      case 'status': {
        const m = dev.model;
        const precision = m.precision === 'fp32' ? '' : `, precision ${describePrecision(m)}`;
        this.#say(`model ${m.modelId} version ${m.version} (slot ${dev.stats.model.slot}, backend ${m.backend}${precision}), depth limit ${m.depthLimit} of ${m.layers}, threshold scale ${dev.scale}, offload form ${dev.config.offload_form}`);
        this.#say(`cloud ${dev.config.cloud}: link ${dev.connected ? 'up' : 'down'}; outbox ${dev.outboxSize} waiting; update ${dev.updating ? 'running' : dev.config.update_interval_s > 0 ? `every ${dev.config.update_interval_s} s` : 'on the update command only'}`);
        return undefined;
      }
      case 'stats':
        for (const l of dev.stats.lines({ outbox: dev.outboxSize, connected: dev.connected })) this.#say(l);
        this.#say(dev.sendStatus() ? 'status report sent to the cloud' : 'status report not sent: the link is down');
        return undefined;
      case 'slots': {
        const { state } = readState(dev.config.slots);
        for (const name of SLOT_NAMES) {
          const info = state.slots[name];
          const role = state.active === name ? ', active' : state.trial?.slot === name ? `, in trial (${state.trial.attemptsLeft} boots left)` : '';
          this.#say(`slot ${name}: ${info === null ? 'empty' : `${info.modelId} version ${info.version}, ${info.status}${role}`}`);
        }
        this.#say(`last good version ${state.lastGoodVersion}; updates must be above version ${state.versionFloor}`);
        return undefined;
      }
      case 'threshold': {
        if (rest === '') {
          this.#say(`threshold scale ${dev.scale}: ${dev.model.thresholds.slice(0, dev.model.depthLimit).map((t, i) => `L${i + 1} ${f4(t)}`).join('  ')}`);
          return undefined;
        }
        const x = Number(rest);
        if (!/^[0-9.eE+-]+$/.test(rest) || !Number.isFinite(x) || x < 0 || x > 100) { this.#say(`threshold needs a scale 0..100, got ${JSON.stringify(clip(rest, 20))}`); return undefined; }
        const info = await dev.setScale(x);
        this.#say(`threshold scale ${x}: ${info.thresholds.slice(0, info.depthLimit).map((t, i) => `L${i + 1} ${f4(t)}`).join('  ')}`);
        return undefined;
      }
      case 'update': {
        if (dev.updating) { this.#say('an update check is already running'); return undefined; }
        this.#say('checking the cloud for an update (answering goes on)');
        void dev.update().then((r) => { if (r !== undefined) this.#say(`update: ${r.outcome}: ${r.message}`); });
        return undefined;
      }
      default:
        this.#dev.stats.refused++;
        this.#say(`unknown command ${JSON.stringify(clip(word, 24))}; did you mean "${nearestCommand(word)}"? (help lists the commands)`);
        return undefined;
    }
  }
}
