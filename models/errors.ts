import { ElmaError } from '../engine/errors.ts';

/** A safetensors file that is malformed: bad header, offsets, dtype or shape (safetensors format spec). */
export class SafetensorsError extends ElmaError {}

/** A bundle directory or Hugging Face model directory that cannot be read or imported. */
export class BundleError extends ElmaError {}

/**
 * Why verification refused a bundle (docs/bundles.md, "What verify checks"): a stable code that
 * the OTA client reports to the cloud and tests match on, next to the human message.
 */
export type RefusalReason =
  | 'malformed-tar' | 'malformed-manifest' | 'missing-signature' | 'malformed-signature' | 'unknown-key'
  | 'bad-signature' | 'expired' | 'rollback' | 'runtime' | 'target' | 'weights-format'
  | 'missing-file' | 'extra-file' | 'not-a-file' | 'file-size' | 'file-hash'
  // The download over the link (docs/ota.md "Download"): a malformed or unauthentic offer, a chunk
  // that fails its signed hash, a download that ends short, a download that is not what its index said.
  | 'malformed-offer' | 'chunk-hash' | 'truncated' | 'index-mismatch';

/** A bundle that bundle verification refuses; the message names the file or field at fault. */
export class BundleRefusal extends BundleError {
  readonly reason: RefusalReason;

  constructor(reason: RefusalReason, where: string, problem: string) {
    super(where, problem);
    this.reason = reason;
  }
}
