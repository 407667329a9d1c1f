/**
 * Every available backend reproduces the Hugging Face fixture forward pass (transformers 5.17
 * outputs: every hidden state, start/end logits), and the exported ONNX step graphs (embeddings,
 * layer, exit head: the TensorRT contract) reproduce it when run by ONNX Runtime.
 */
import test from 'ava';
import { loadHfModel, inputsOf } from '../_models.ts';
import { HF, loadSafetensorsFile, f32, maxAbsDiff } from '../_fixtures.ts';
import { AVAILABLE_BACKENDS, probeBackend, selectBackend } from '../../runtime/backend-select.ts';
import { BackendError } from '../../kernels/errors.ts';
import { reportUnavailableBackends } from '../_native.ts';
import { testUnless } from '../_skip.ts';
import { embeddingsGraph, exitHeadGraph, layerGraph } from '../../kernels/onnx/albert-graphs.ts';
import { OrtSession } from '../../kernels/onnx/session.ts';

const TOL = 1e-4;
const ref = loadSafetensorsFile(`${HF}/albert_tiny_qa_forward.safetensors`);
const inputs = inputsOf(ref);

// Backends that do not load here are loud skips (a native library that is there but does not load fails).
reportUnavailableBackends('the HF fixture forward pass');
for (const name of AVAILABLE_BACKENDS) {
  test(`${name}: the HF fixture QA model, every hidden state and the logits`, (t) => {
    const model = loadHfModel(`${HF}/albert_tiny_qa`, selectBackend(name));
    const out = model.forward(inputs);
    out.hiddenStates.forEach((h, i) => {
      const d = maxAbsDiff(h, f32(ref, `hidden_states.${i}`));
      t.true(d <= TOL, `hidden_states.${i}: max |Δ| = ${d}`);
    });
    t.true(maxAbsDiff(out.qa!.start, f32(ref, 'start_logits')) <= TOL);
    t.true(maxAbsDiff(out.qa!.end, f32(ref, 'end_logits')) <= TOL);
  });
}

const onnx = probeBackend('onnx');
testUnless(onnx instanceof BackendError ? onnx.message : null)('the exported ONNX graphs (embeddings, layer, exit head) reproduce the HF fixture under ONNX Runtime', (t) => {
  const model = loadHfModel(`${HF}/albert_tiny_qa`);
  const c = model.config, w = model.weights;
  const { batch, seq } = inputs;
  const emb = new OrtSession(embeddingsGraph(w, {
    vocabSize: c.vocabSize, maxPositions: c.maxPositionEmbeddings, typeVocabSize: c.typeVocabSize, embeddingSize: c.embeddingSize,
    hiddenSize: c.hiddenSize, layerNormEps: c.layerNormEps,
  }), 'embeddings.onnx', 1);
  let h = emb.run({ input_ids: { type: 'int32', data: inputs.inputIds, dims: [batch, seq] }, token_type_ids: { type: 'int32', data: inputs.tokenTypeIds, dims: [batch, seq] } }).hidden!;
  t.true(maxAbsDiff(h, f32(ref, 'hidden_states.0')) <= TOL, 'hidden_states.0');
  const layer = new OrtSession(layerGraph(w.groups[0]![0]!, {
    hidden: c.hiddenSize, heads: c.numAttentionHeads, intermediate: c.intermediateSize, activation: c.hiddenAct, layerNormEps: c.layerNormEps,
  }), 'layer.onnx', 1);
  for (let l = 1; l <= c.numHiddenLayers; l++) {
    h = layer.run({ hidden: { type: 'float32', data: h, dims: [batch, seq, c.hiddenSize] }, attention_mask: { type: 'int32', data: inputs.attentionMask, dims: [batch, seq] } }).hidden_out!;
    t.true(maxAbsDiff(h, f32(ref, `hidden_states.${l}`)) <= TOL, `hidden_states.${l}`);
    const head = new OrtSession(exitHeadGraph(w.exitHeads[l - 1]!, c.hiddenSize), `exit_${l}.onnx`, 1);
    const lg = head.run({ hidden: { type: 'float32', data: h, dims: [batch, seq, c.hiddenSize] } });
    t.true(maxAbsDiff(lg.start_logits!, f32(ref, `exit_start_logits.${l}`)) <= TOL, `exit ${l} start`);
    t.true(maxAbsDiff(lg.end_logits!, f32(ref, `exit_end_logits.${l}`)) <= TOL, `exit ${l} end`);
  }
});
