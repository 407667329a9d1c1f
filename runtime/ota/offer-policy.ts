/**
 * Whether a device takes a model update the cloud offers (docs/ota.md "Download"), decided before
 * a single byte of the bundle is fetched or anything is written:
 *
 *   1. the chunk index is signed by a pinned release key (unknown-key, bad-signature) and well
 *      formed (malformed-offer): chunk-index.ts verifyChunkIndex
 *   2. not expired by the device clock (expired: TUF 1.0 §5.4.4 "freeze")
 *   3. above the version floor, the highest version ever installed on the device (TUF §5.4.3,
 *      Uptane's monotonic counter): a lower one is a downgrade and refused (rollback); an equal one
 *      is what the device already has or already rolled back, and is declined without fuss
 *
 * The whole bundle is verified again after the download (models/bundle/verify.ts), against the same
 * floor, before install: the offer only decides whether downloading is worth it and what each chunk
 * must hash to. Platform-neutral.
 */
import { BundleRefusal } from '../../models/errors.ts';
import { verifyChunkIndex, type ChunkIndex, type SignedChunkIndex } from '../../models/bundle/chunk-index.ts';

export interface OfferPolicy {
  readonly trustedKeys: readonly Uint8Array[];
  /** Device clock, ms since the epoch. */
  readonly now: number;
  /** The highest version ever installed (slot state `versionFloor`). */
  readonly versionFloor: number;
}

export type OfferDecision =
  | { readonly take: true; readonly index: ChunkIndex }
  | { readonly take: false; readonly why: string };

/** Take, decline (nothing new), or throw a BundleRefusal naming the offer field at fault. */
export function judgeOffer(signed: SignedChunkIndex, policy: OfferPolicy, where: string): OfferDecision {
  const ix = verifyChunkIndex(signed, policy.trustedKeys, where);
  if (!(policy.now < Date.parse(ix.expires))) {
    throw new BundleRefusal('expired', `${where}: expires`, `the bundle expired at ${ix.expires} (device time ${new Date(policy.now).toISOString()}); an old offer replayed?`);
  }
  if (ix.version < policy.versionFloor) {
    throw new BundleRefusal('rollback', `${where}: version`, `${ix.version} is below the device's version floor ${policy.versionFloor} (downgrade)`);
  }
  if (ix.version === policy.versionFloor) {
    return { take: false, why: `version ${ix.version} of ${ix.model} is the device's version floor: installed before, or rolled back; nothing new` };
  }
  return { take: true, index: ix };
}
