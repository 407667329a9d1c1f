/**
 * The int8 part of libelma_native's C ABI (elma.h, docs/backends.md "int8") as typed koffi
 * functions. An addition to ABI 1: a library built before it still loads, without int8
 * (bindInt8 returns undefined).
 */
import koffi from 'koffi';
import type { NativeLibrary } from './library.ts';
import { declareStructs, type LayerHandlePtr, type LayerShapeStruct, type LayerWeightsStruct } from './_bindings.ts';

type F32 = Float32Array;

/** elma_layer_int8_matrices: the six matrices as int8 [out, in] with per-output-channel scales. */
export interface LayerInt8Struct {
  query_w: Int8Array; key_w: Int8Array; value_w: Int8Array; dense_w: Int8Array; ffn_w: Int8Array; ffn_out_w: Int8Array;
  query_scale: F32; key_scale: F32; value_scale: F32; dense_scale: F32; ffn_scale: F32; ffn_out_scale: F32;
}

export interface Int8Bindings {
  /** elma_layer_create_int8: q null quantizes the struct's fp32 matrices. */
  createLayer(w: LayerWeightsStruct, q: LayerInt8Struct | null, s: LayerShapeStruct): LayerHandlePtr | null;
  /** The int8 path a handle runs on ("" for an fp32 handle). */
  pathOf(h: LayerHandlePtr): string;
  quantize(w: F32, outF: number, inF: number, q: Int8Array, scale: F32): number;
  linear(x: F32, rows: number, inF: number, q: Int8Array, scale: F32, b: F32 | null, outF: number, act: number, y: F32): number;
  /** Paths this CPU runs, fastest first, space-separated. */
  paths(): string;
  path(): string;
  setPath(name: string): number;
}

let declared = false;

export function bindInt8(lib: NativeLibrary): Int8Bindings | undefined {
  const f = (decl: string): unknown => lib.func(decl);
  try {
    declareStructs();
    if (!declared) {
      // koffi type names are global to the process: declare once.
      koffi.struct('elma_layer_int8_matrices', {
        query_w: 'const int8_t *', key_w: 'const int8_t *', value_w: 'const int8_t *', dense_w: 'const int8_t *',
        ffn_w: 'const int8_t *', ffn_out_w: 'const int8_t *', query_scale: 'const float *', key_scale: 'const float *',
        value_scale: 'const float *', dense_scale: 'const float *', ffn_scale: 'const float *', ffn_out_scale: 'const float *',
      });
      declared = true;
    }
    return {
      createLayer: f('void *elma_layer_create_int8(const elma_layer_weights *w, const elma_layer_int8_matrices *q, const elma_layer_shape *s)') as Int8Bindings['createLayer'],
      pathOf: f('const char *elma_layer_int8_path_of(void *h)') as Int8Bindings['pathOf'],
      quantize: f('int elma_int8_quantize(const float *w, int32_t out_f, int32_t in_f, int8_t *q, float *scale)') as Int8Bindings['quantize'],
      linear: f('int elma_int8_linear(const float *x, int32_t rows, int32_t in_f, const int8_t *q, const float *scale, const float *b, int32_t out_f, int32_t act, float *y)') as Int8Bindings['linear'],
      paths: f('const char *elma_int8_paths(void)') as Int8Bindings['paths'],
      path: f('const char *elma_int8_path(void)') as Int8Bindings['path'],
      setPath: f('int elma_int8_set_path(const char *name)') as Int8Bindings['setPath'],
    };
  } catch {
    return undefined;
  }
}
