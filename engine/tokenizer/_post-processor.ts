/**
 * HF tokenizers processors/template.rs `TemplateProcessing`: wraps one or two encoded sequences in
 * special tokens, e.g. ALBERT's `[CLS] $A:0 [SEP]:0` and `[CLS] $A:0 [SEP]:0 $B:1 [SEP]:1`.
 * Special tokens get offsets [0, 0] and sequence id null.
 */
import { emptyEncoding, pushToken, type Encoding } from './_encoding.ts';
import { TokenizerError } from './errors.ts';

type Piece =
  | { readonly kind: 'special'; readonly ids: readonly number[]; readonly tokens: readonly string[]; readonly typeId: number }
  | { readonly kind: 'sequence'; readonly which: 0 | 1; readonly typeId: number };

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

export class TemplateProcessing {
  readonly #single: readonly Piece[];
  readonly #pair: readonly Piece[];

  private constructor(single: readonly Piece[], pair: readonly Piece[]) {
    this.#single = single;
    this.#pair = pair;
  }

  /** `[CLS] $A [SEP]` / `[CLS] $A [SEP] $B:1 [SEP]:1` with the given ids (what HF's ALBERT converter writes). */
  static bert(cls: { id: number; token: string }, sep: { id: number; token: string }): TemplateProcessing {
    const sp = (t: { id: number; token: string }, typeId: number): Piece => ({ kind: 'special', ids: [t.id], tokens: [t.token], typeId });
    return new TemplateProcessing(
      [sp(cls, 0), { kind: 'sequence', which: 0, typeId: 0 }, sp(sep, 0)],
      [sp(cls, 0), { kind: 'sequence', which: 0, typeId: 0 }, sp(sep, 0), { kind: 'sequence', which: 1, typeId: 1 }, sp(sep, 1)],
    );
  }

  static fromJson(json: unknown, where: string): TemplateProcessing {
    const fail = (field: string, problem: string): never => {
      throw new TokenizerError(field === '' ? where : `${where}.${field}`, problem);
    };
    if (!isObject(json)) return fail('', 'is not an object');
    if (json.type !== 'TemplateProcessing') return fail('type', `${JSON.stringify(json.type)} is not a supported post-processor (TemplateProcessing)`);
    const specials = json.special_tokens;
    if (!isObject(specials)) return fail('special_tokens', 'is missing or not an object');
    const template = (field: 'single' | 'pair'): Piece[] => {
      const list = json[field];
      if (!Array.isArray(list)) return fail(field, 'is missing or not a list');
      return list.map((p: unknown, i: number): Piece => {
        const at = `${field}[${i}]`;
        if (!isObject(p)) return fail(at, 'is not an object');
        const typeOf = (o: Record<string, unknown>): number => {
          const t = o.type_id;
          return Number.isSafeInteger(t) && (t as number) >= 0 ? (t as number) : fail(`${at}.type_id`, 'is not a non-negative integer');
        };
        if (isObject(p.SpecialToken)) {
          const id = p.SpecialToken.id;
          const sp = typeof id === 'string' ? specials[id] : undefined;
          if (!isObject(sp)) return fail(`${at}.SpecialToken.id`, `${JSON.stringify(id)} is not in special_tokens`);
          const ids = sp.ids;
          const tokens = sp.tokens;
          if (!Array.isArray(ids) || !ids.every((x) => Number.isSafeInteger(x) && x >= 0)) return fail(`special_tokens.${String(id)}.ids`, 'is not a list of token ids');
          if (!Array.isArray(tokens) || tokens.length !== ids.length || !tokens.every((x) => typeof x === 'string')) {
            return fail(`special_tokens.${String(id)}.tokens`, 'is not a list of strings as long as ids');
          }
          return { kind: 'special', ids: ids as number[], tokens: tokens as string[], typeId: typeOf(p.SpecialToken) };
        }
        if (isObject(p.Sequence)) {
          const id = p.Sequence.id;
          if (id !== 'A' && id !== 'B') return fail(`${at}.Sequence.id`, `is ${JSON.stringify(id)}, not "A" or "B"`);
          return { kind: 'sequence', which: id === 'A' ? 0 : 1, typeId: typeOf(p.Sequence) };
        }
        return fail(at, 'is neither a SpecialToken nor a Sequence');
      });
    };
    return new TemplateProcessing(template('single'), template('pair'));
  }

  /** How many special tokens the template adds (HF `added_tokens(is_pair)`). */
  addedTokens(isPair: boolean): number {
    let n = 0;
    for (const p of isPair ? this.#pair : this.#single) if (p.kind === 'special') n += p.ids.length;
    return n;
  }

  /** The template applied to `a` (and `b`): type ids from the template, sequence ids 0 for A and 1 for B. */
  apply(a: Encoding, b?: Encoding): Encoding {
    const out = emptyEncoding();
    for (const p of b === undefined ? this.#single : this.#pair) {
      if (p.kind === 'special') {
        p.ids.forEach((id, k) => {
          out.ids.push(id);
          out.typeIds.push(p.typeId);
          out.tokens.push(p.tokens[k] as string);
          out.offsets.push([0, 0]);
          out.sequenceIds.push(null);
          out.specialTokensMask.push(1);
        });
      } else {
        const src = p.which === 0 ? a : b;
        if (src === undefined) continue;
        for (let k = 0; k < src.ids.length; k++) pushToken(out, src, k, p.typeId, p.which);
      }
    }
    return out;
  }
}
