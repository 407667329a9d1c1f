/**
 * The bf16 part of libelma_native's C ABI (elma.h, docs/backends.md "bf16") as typed koffi
 * functions. An addition to ABI 1: a library built before it still loads, without bf16
 * (bindBf16 returns undefined).
 */
import type { NativeLibrary } from './library.ts';
import { declareStructs, type LayerHandlePtr, type LayerShapeStruct, type LayerWeightsStruct } from './_bindings.ts';

export interface Bf16Bindings {
  /** elma_layer_create_bf16: the struct's fp32 matrices rounded to bf16 and packed. */
  createLayer(w: LayerWeightsStruct, s: LayerShapeStruct): LayerHandlePtr | null;
  /** The bf16 path a handle runs on ("" for another handle). */
  pathOf(h: LayerHandlePtr): string;
  /** Paths this CPU runs, fastest first, space-separated ("avx512-bf16 portable"). */
  paths(): string;
  path(): string;
  setPath(name: string): number;
}

export function bindBf16(lib: NativeLibrary): Bf16Bindings | undefined {
  const f = (decl: string): unknown => lib.func(decl);
  try {
    declareStructs();
    return {
      createLayer: f('void *elma_layer_create_bf16(const elma_layer_weights *w, const elma_layer_shape *s)') as Bf16Bindings['createLayer'],
      pathOf: f('const char *elma_layer_bf16_path_of(void *h)') as Bf16Bindings['pathOf'],
      paths: f('const char *elma_bf16_paths(void)') as Bf16Bindings['paths'],
      path: f('const char *elma_bf16_path(void)') as Bf16Bindings['path'],
      setPath: f('int elma_bf16_set_path(const char *name)') as Bf16Bindings['setPath'],
    };
  } catch {
    return undefined;
  }
}
