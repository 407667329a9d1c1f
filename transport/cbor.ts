/**
 * CBOR (RFC 8949) through cbor-x, configured for untrusted input: maps decode to `Map` (never to
 * objects, so no key can reach a prototype), no record extensions, no packed or shared structures,
 * 64-bit integers as numbers (the schema then refuses unsafe ones), one item with no trailing bytes.
 * Every decoding failure becomes one SchemaError("invalid CBOR").
 */
// cbor-x/encode and cbor-x/decode resolve to its pure-JavaScript entry: the optional native string
// extractor (cbor-extract) stays off the attack surface, and the code is what QuickJS runs.
import { Encoder } from 'cbor-x/encode';
import { Decoder } from 'cbor-x/decode';
import { SchemaError } from './errors.ts';

const OPTIONS = {
  useRecords: false,
  mapsAsObjects: false,
  pack: false,
  structuredClone: false,
  bundleStrings: false,
  tagUint8Array: false,
  variableMapSize: true, // RFC 8949 §4.2.1 preferred serialization: the shortest map header
  int64AsNumber: true,
} as const;

const encoder = new Encoder(OPTIONS);
const decoder = new Decoder(OPTIONS);

/** A CBOR encoding of a value built from maps, objects, arrays, strings, numbers, booleans, null,
 *  byte strings and bigints. Integers beyond 32 bits must be passed as bigint to be encoded as
 *  integers (cbor-x writes large numbers as float64). */
export function encodeCbor(value: unknown): Uint8Array {
  const b = encoder.encode(value);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The one data item in `bytes` (RFC 8949 §5.3.1 well-formedness), or SchemaError. */
export function decodeCbor(bytes: Uint8Array, where = ''): unknown {
  try {
    return decoder.decode(bytes);
  } catch {
    // cbor-x throws Error, RangeError (deep nesting, bad lengths) or TypeError on malformed input.
    throw new SchemaError(where, 'invalid CBOR');
  }
}
