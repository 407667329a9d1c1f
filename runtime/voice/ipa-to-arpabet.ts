/**
 * espeak-ng's phonemes (its `--ipa` output for the en-us voice, one phoneme per `--sep` field) in
 * the ARPAbet phone set of PocketSphinx's en-us acoustic model (its `mdef`: the 39 phones of
 * CMUdict, http://www.speech.cs.cmu.edu/cgi-bin/cmudict, without stress digits). This is the
 * letter-to-sound step for words the CMU dictionary lacks, names above all.
 *
 * The table follows the IPA ↔ ARPAbet correspondence of the CMUdict documentation and of
 * espeak-ng's own phoneme file for English (phsource/ph_english_us): r-coloured vowels become the
 * vowel and R, the flap ɾ is T (CMUdict writes "water" W AO T ER), the glottal stop is dropped,
 * syllabic n̩ and l̩ are AH N and AH L, and the unstressed ᵻ, ɐ of espeak-ng are IH and AH.
 */

export const ARPABET = new Set(['AA', 'AE', 'AH', 'AO', 'AW', 'AY', 'B', 'CH', 'D', 'DH', 'EH', 'ER', 'EY', 'F', 'G', 'HH', 'IH', 'IY',
  'JH', 'K', 'L', 'M', 'N', 'NG', 'OW', 'OY', 'P', 'R', 'S', 'SH', 'T', 'TH', 'UH', 'UW', 'V', 'W', 'Y', 'Z', 'ZH']);

const TABLE: Record<string, string> = {
  // vowels and diphthongs
  'ɑ': 'AA', 'ɑː': 'AA', 'ɒ': 'AA', 'ɒː': 'AA', 'a': 'AE', 'æ': 'AE', 'ʌ': 'AH', 'ə': 'AH', 'ɐ': 'AH', 'ɔ': 'AO', 'ɔː': 'AO',
  'aʊ': 'AW', 'aɪ': 'AY', 'ɛ': 'EH', 'e': 'EH', 'ɜ': 'ER', 'ɜː': 'ER', 'ɝ': 'ER', 'ɚ': 'ER', 'eɪ': 'EY', 'ɪ': 'IH', 'ᵻ': 'IH',
  'i': 'IY', 'iː': 'IY', 'oʊ': 'OW', 'əʊ': 'OW', 'o': 'OW', 'oː': 'OW', 'ɔɪ': 'OY', 'ʊ': 'UH', 'u': 'UW', 'uː': 'UW',
  'iə': 'IY AH', 'ɪə': 'IH R', 'ɪɹ': 'IH R', 'eə': 'EH R', 'ɛɹ': 'EH R', 'ɛə': 'EH R', 'ʊə': 'UH R', 'ʊɹ': 'UH R',
  'oːɹ': 'AO R', 'ɔːɹ': 'AO R', 'ɔɹ': 'AO R', 'oɹ': 'AO R', 'ɑːɹ': 'AA R', 'ɑɹ': 'AA R', 'aɪə': 'AY ER', 'aɪɚ': 'AY ER', 'aʊə': 'AW ER', 'aʊɚ': 'AW ER',
  'juː': 'Y UW', 'ju': 'Y UW',
  // consonants
  'p': 'P', 'b': 'B', 't': 'T', 'd': 'D', 'k': 'K', 'g': 'G', 'ɡ': 'G', 'f': 'F', 'v': 'V', 'θ': 'TH', 'ð': 'DH',
  's': 'S', 'z': 'Z', 'ʃ': 'SH', 'ʒ': 'ZH', 'h': 'HH', 'tʃ': 'CH', 'dʒ': 'JH', 'm': 'M', 'n': 'N', 'ŋ': 'NG',
  'l': 'L', 'ɫ': 'L', 'ɹ': 'R', 'r': 'R', 'ɾ': 'T', 'w': 'W', 'ʍ': 'W', 'j': 'Y', 'x': 'K', 'ç': 'HH', 'ɬ': 'L',
  'n̩': 'AH N', 'l̩': 'AH L', 'm̩': 'AH M', 'ʔ': '', 'ts': 'T S', 'dz': 'D Z',
};
const KEYS = Object.keys(TABLE).sort((a, b) => b.length - a.length);

/** Stress and length-less marks that carry nothing the phone set distinguishes. */
const DROP = /[ˈˌ‿͡.\u0303]/g;

/** One espeak phoneme (or any run of IPA) as ARPAbet phones, longest table match first; unknown symbols are dropped. */
export function ipaPhones(ipa: string): string[] {
  const s = ipa.replace(DROP, '').normalize('NFC');
  const out: string[] = [];
  for (let i = 0; i < s.length;) {
    const key = KEYS.find((k) => s.startsWith(k, i));
    if (key === undefined) {
      i++;
      continue;
    }
    const v = TABLE[key]!;
    if (v !== '') out.push(...v.split(' '));
    i += key.length;
  }
  return out;
}

/** A word's espeak-ng `--ipa --sep=_` line as an ARPAbet pronunciation ("k_aʊ_ˈɔ_l_s_k_i" → K AW AO L S K IY). */
export function espeakLineToArpabet(line: string): string[] {
  return line.trim().split(/[_\s]+/).filter((p) => p !== '').flatMap(ipaPhones);
}
