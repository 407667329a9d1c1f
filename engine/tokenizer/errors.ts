/**
 * The tokenizer's error class: a tokenizer file that cannot be used (tokenizer.json, spiece.model)
 * or an input the tokenizer cannot encode. `where` names the file and field at fault, e.g.
 * `tokenizer.json: model.vocab[12]`.
 */
import { ElmaError } from '../errors.ts';

export class TokenizerError extends ElmaError {}
