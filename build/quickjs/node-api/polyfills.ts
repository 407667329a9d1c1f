/**
 * ES2022 library functions the device program calls that QuickJS 2021-03-27 lacks, defined as the
 * specification defines them (ECMA-262 2022 §20.1.2.13 Object.hasOwn, §23.1.3.1 Array.prototype.at,
 * §22.1.3.1 String.prototype.at, ES2023 §23.1.3.12 findLast / findLastIndex); each only where
 * missing. Imported for its effect, first, by the elma-qjs device bundle (qjs-edge-bundle.ts).
 */
function define(target: object, name: string, value: unknown): void {
  if (!(name in target)) Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
}

function relative(index: number, length: number): number {
  const n = Math.trunc(Number(index)) || 0;
  return n < 0 ? length + n : n;
}

define(Object, 'hasOwn', (o: object, key: PropertyKey) => Object.prototype.hasOwnProperty.call(Object(o), key));

function at<T>(this: ArrayLike<T>, index: number): T | undefined {
  const k = relative(index, this.length);
  return k < 0 || k >= this.length ? undefined : this[k];
}
define(Array.prototype, 'at', at);
define(String.prototype, 'at', function (this: string, index: number) {
  const s = String(this);
  const k = relative(index, s.length);
  return k < 0 || k >= s.length ? undefined : s[k];
});
for (const T of [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array]) {
  define(T.prototype, 'at', at);
}

define(Array.prototype, 'findLast', function <T>(this: T[], pred: (v: T, i: number, a: T[]) => unknown, thisArg?: unknown) {
  for (let i = this.length - 1; i >= 0; i--) if (pred.call(thisArg, this[i]!, i, this)) return this[i];
  return undefined;
});
define(Array.prototype, 'findLastIndex', function <T>(this: T[], pred: (v: T, i: number, a: T[]) => unknown, thisArg?: unknown) {
  for (let i = this.length - 1; i >= 0; i--) if (pred.call(thisArg, this[i]!, i, this)) return i;
  return -1;
});
