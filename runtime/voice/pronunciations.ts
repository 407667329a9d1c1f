/**
 * Pronunciations for the words the recogniser may hear: the CMU Pronouncing Dictionary that ships
 * with pocketsphinx-en-us (cmudict-en-us.dict: "word PH ON ES", variants as "word(2)"), and for the
 * words it lacks (names, above all) a letter-to-sound step: espeak-ng's en-us phonemes
 * (`espeak-ng -v en-us -q --ipa --sep=_`, one input line per word) mapped to ARPAbet by
 * ipa-to-arpabet.ts. A number token ("1749") is not pronounced: number-words.ts says it in words.
 */
import { readFileSync } from 'node:fs';
import { runChild } from './_child.ts';
import { RecogniserError } from './errors.ts';
import { ARPABET, espeakLineToArpabet } from './ipa-to-arpabet.ts';

/** word → its pronunciations, each a space-separated phone string. */
export type Lexicon = Map<string, string[]>;

const loaded = new Map<string, Lexicon>();

/** The dictionary file at `path`, read once per process (134,000 lines: about 150 ms, 30 MB). */
export function loadCmuDict(path: string): Lexicon {
  const hit = loaded.get(path);
  if (hit !== undefined) return hit;
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (e) {
    throw new RecogniserError(path, `cannot read the pronunciation dictionary (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): reinstall pocketsphinx-en-us`);
  }
  const lex: Lexicon = new Map();
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    // "word(2) PH ON" is the second pronunciation of "word"; a trailing "#comment" is not a phone.
    const word = line.slice(0, sp).replace(/\(\d+\)$/, '');
    const phones = line.slice(sp + 1).replace(/#.*$/, '').trim();
    if (phones === '') continue;
    const list = lex.get(word);
    if (list === undefined) lex.set(word, [phones]);
    else list.push(phones);
  }
  loaded.set(path, lex);
  return lex;
}

/**
 * ARPAbet pronunciations of `words` from espeak-ng (the en-us voice's letter-to-sound rules and
 * its own exceptions list), one child process for all of them. A word espeak-ng gives no usable
 * phones for is left out of the result.
 */
export async function espeakPronunciations(words: readonly string[], espeak = 'espeak-ng'): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (words.length === 0) return out;
  // One word per line, each ending a clause with a full stop, so espeak-ng prints one line per word.
  const r = await runChild(espeak, ['-v', 'en-us', '-q', '--ipa', '--sep=_'], { input: words.map((w) => `${w}.\n`).join(''), timeoutMs: 60_000 });
  if (r.missing) throw new RecogniserError(espeak, `not installed: ${ESPEAK_INSTALL}`);
  if (r.code !== 0) throw new RecogniserError(espeak, `failed (exit ${r.code ?? r.signal}): ${r.stderr.trim().split('\n')[0] ?? ''}`);
  const lines = r.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length !== words.length) {
    // espeak-ng joined or split some lines: ask word by word instead (slower, rare).
    for (const w of words) {
      const one = await runChild(espeak, ['-v', 'en-us', '-q', '--ipa', '--sep=_', w], { timeoutMs: 10_000 });
      const phones = espeakLineToArpabet(one.stdout.replace(/\n/g, ' '));
      if (phones.length > 0) out.set(w, phones.join(' '));
    }
    return out;
  }
  words.forEach((w, i) => {
    const phones = espeakLineToArpabet(lines[i]!).filter((p) => ARPABET.has(p));
    if (phones.length > 0) out.set(w, phones.join(' '));
  });
  return out;
}

export const ESPEAK_INSTALL = 'install espeak-ng (apt-get install espeak-ng): it spells out the names the dictionary lacks';
