/** Loading the Hugging Face fixture models straight from their directories, for engine tests. */
import { readFileSync } from 'node:fs';
import { parseAlbertConfig } from '../engine/albert/config.ts';
import { albertWeightsFrom } from '../engine/albert/weights.ts';
import { AlbertModel, type ModelInputs } from '../engine/albert/model.ts';
import { jsBackend } from '../kernels/js/index.ts';
import { tensorSource } from '../models/tensor-source.ts';
import type { SafetensorsFile } from '../models/safetensors.ts';
import type { Backend } from '../kernels/backend.ts';
import { loadSafetensorsFile } from './_fixtures.ts';

export function loadHfModel(dir: string, backend: Backend = jsBackend): AlbertModel {
  const cfg = parseAlbertConfig(JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')));
  const w = albertWeightsFrom(tensorSource(loadSafetensorsFile(`${dir}/model.safetensors`), 'model.safetensors'), cfg);
  return new AlbertModel(cfg, w, backend);
}

export function inputsOf(f: SafetensorsFile): ModelInputs {
  const ids = f.tensors.get('input_ids')!;
  const [batch, seq] = ids.shape as [number, number];
  return {
    batch, seq, inputIds: ids.data as Int32Array, tokenTypeIds: f.tensors.get('token_type_ids')!.data as Int32Array,
    attentionMask: f.tensors.get('attention_mask')!.data as Int32Array,
  };
}

export function rowOf(inputs: ModelInputs, row: number): ModelInputs {
  const S = inputs.seq;
  const sl = (a: Int32Array): Int32Array => a.slice(row * S, (row + 1) * S);
  return { batch: 1, seq: S, inputIds: sl(inputs.inputIds), tokenTypeIds: sl(inputs.tokenTypeIds), attentionMask: sl(inputs.attentionMask) };
}
