import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadBundle } from '../../models/bundle/bundle-dir.ts';
import { embeddingsGraph, exitHeadGraph, layerGraph } from '../../kernels/onnx/albert-graphs.ts';
import { requireString, type Command } from '../command.ts';

export const exportOnnxCommand: Command = {
  name: 'export-onnx',
  summary: 'Write a bundle\'s ALBERT steps as ONNX graphs (embeddings, shared layers, exit heads) for ONNX Runtime and TensorRT',
  help: `Usage: elma export-onnx --bundle <dir> --out <dir>

Writes the model of a bundle as ONNX (opset 13, dynamic batch and sequence, LayerNorm decomposed
for TensorRT 8.0), one file per step kind, as docs/backends.md describes:
  embeddings.onnx               input_ids, token_type_ids [batch, seq] int32 → hidden
  layer-g<group>-<inner>.onnx   hidden, attention_mask → hidden_out (shared by every step of the group)
  exit-<l>.onnx                 hidden → start_logits, end_logits (exit head after layer l)
  qa_outputs.onnx               the final QA head (when the model has one)
and manifest.json listing which layer file each step runs. Build TensorRT engines from these
with trtexec on the target (see docs/backends.md).

Options:
  --bundle <dir>   the model bundle
  --out <dir>      directory for the .onnx files (created)`,
  options: { bundle: { type: 'string' }, out: { type: 'string' } },
  async run(args, io) {
    const b = loadBundle(requireString(args, 'bundle'));
    const out = requireString(args, 'out');
    mkdirSync(out, { recursive: true });
    const c = b.config, w = b.weights;
    const files: string[] = [];
    const put = (name: string, bytes: Uint8Array): void => { writeFileSync(path.join(out, name), bytes); files.push(name); };
    put('embeddings.onnx', embeddingsGraph(w, {
      vocabSize: c.vocabSize, maxPositions: c.maxPositionEmbeddings, typeVocabSize: c.typeVocabSize,
      embeddingSize: c.embeddingSize, hiddenSize: c.hiddenSize, layerNormEps: c.layerNormEps,
    }));
    const shape = { hidden: c.hiddenSize, heads: c.numAttentionHeads, intermediate: c.intermediateSize, activation: c.hiddenAct, layerNormEps: c.layerNormEps };
    w.groups.forEach((inner, g) => inner.forEach((lw, i) => put(`layer-g${g}-${i}.onnx`, layerGraph(lw, shape))));
    w.exitHeads.forEach((h, i) => put(`exit-${i + 1}.onnx`, exitHeadGraph(h, c.hiddenSize)));
    if (w.qaOutputs !== undefined) put('qa_outputs.onnx', exitHeadGraph(w.qaOutputs, c.hiddenSize));
    const steps = Array.from({ length: c.numHiddenLayers }, (_, l) => {
      const g = Math.floor(l / (c.numHiddenLayers / c.numHiddenGroups));
      return w.groups[g]!.map((_, i) => `layer-g${g}-${i}.onnx`);
    });
    writeFileSync(path.join(out, 'manifest.json'), `${JSON.stringify({ model_id: b.manifest.model_id, version: b.manifest.version, opset: 13, files, steps }, null, 2)}\n`);
    io.stdout(`wrote ${files.length} ONNX graphs to ${out}\n`);
    return 0;
  },
};
