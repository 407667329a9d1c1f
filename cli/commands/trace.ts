import { readFileSync, writeFileSync } from 'node:fs';
import { parseSafetensors, serializeSafetensors, type TensorInput } from '../../models/safetensors.ts';
import { loadBundle } from '../../models/bundle/bundle-dir.ts';
import { AlbertModel, type ModelInputs } from '../../engine/albert/model.ts';
import { EngineInputError } from '../../engine/errors.ts';
import { selectBackend } from '../../runtime/backend-select.ts';
import { requireString, type Command } from '../command.ts';

function intTensor(file: ReturnType<typeof parseSafetensors>, name: string, source: string): { data: Int32Array; shape: readonly number[] } {
  const t = file.tensors.get(name);
  if (t === undefined) throw new EngineInputError(`${source}: tensor "${name}"`, 'is missing');
  if (t.shape.length !== 2) throw new EngineInputError(`${source}: tensor "${name}"`, `has shape [${t.shape.join(', ')}], expected [batch, seq]`);
  if (t.dtype === 'I32') return { data: t.data as Int32Array, shape: t.shape };
  if (t.dtype === 'I64') return { data: Int32Array.from(t.data as BigInt64Array, Number), shape: t.shape };
  throw new EngineInputError(`${source}: tensor "${name}"`, `has dtype ${t.dtype}, expected I32 (or I64)`);
}

export const traceCommand: Command = {
  name: 'trace',
  summary: 'Run the model on given inputs and write every hidden state and the logits',
  help: `Usage: elma trace --bundle <dir> --inputs <in.safetensors> --out <out.safetensors> [--backend js]

Inputs: int32 input_ids, token_type_ids, attention_mask of shape [B, S] (int64 accepted).
Writes float32 hidden_states.0 … hidden_states.L [B, S, hidden], and start_logits/end_logits [B, S]
plus exit_start_logits.<l>/exit_end_logits.<l> of every exit head (QA models) or logits [B, labels]
(classification models), named as in Hugging Face's outputs.`,
  options: { bundle: { type: 'string' }, inputs: { type: 'string' }, out: { type: 'string' }, backend: { type: 'string' } },
  async run(args, io) {
    const bundle = loadBundle(requireString(args, 'bundle'));
    const inFile = requireString(args, 'inputs');
    const src = parseSafetensors(new Uint8Array(readFileSync(inFile)), inFile);
    const ids = intTensor(src, 'input_ids', inFile);
    const [batch, seq] = ids.shape as [number, number];
    const other = (name: string): Int32Array => {
      const t = intTensor(src, name, inFile);
      if (t.shape[0] !== batch || t.shape[1] !== seq) throw new EngineInputError(`${inFile}: tensor "${name}"`, `shape [${t.shape.join(', ')}] differs from input_ids [${batch}, ${seq}]`);
      return t.data;
    };
    const inputs: ModelInputs = { batch, seq, inputIds: ids.data, tokenTypeIds: other('token_type_ids'), attentionMask: other('attention_mask') };
    const model = new AlbertModel(bundle.config, bundle.weights, selectBackend(args.values.backend));
    const res = model.forward(inputs);
    const H = bundle.config.hiddenSize;
    const out: Record<string, TensorInput> = {};
    res.hiddenStates.forEach((h, i) => { out[`hidden_states.${i}`] = { shape: [batch, seq, H], data: h }; });
    if (res.qa !== undefined) {
      out.start_logits = { shape: [batch, seq], data: res.qa.start };
      out.end_logits = { shape: [batch, seq], data: res.qa.end };
      bundle.weights.exitHeads.forEach((head, i) => {
        const lg = model.qaLogits(res.hiddenStates[i + 1]!, batch * seq, head);
        out[`exit_start_logits.${i + 1}`] = { shape: [batch, seq], data: lg.start };
        out[`exit_end_logits.${i + 1}`] = { shape: [batch, seq], data: lg.end };
      });
    }
    if (res.logits !== undefined) out.logits = { shape: [batch, bundle.config.numLabels], data: res.logits };
    const outFile = requireString(args, 'out');
    writeFileSync(outFile, serializeSafetensors(out, { producer: 'elma trace', model_id: bundle.manifest.model_id }));
    io.stderr(`traced ${batch}×${seq} through ${bundle.config.numHiddenLayers} layers on ${model.backend.name} → ${outFile}\n`);
    return 0;
  },
};
