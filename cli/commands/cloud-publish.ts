/** `elma cloud publish`: put a signed bundle archive into the store, so every cloud node offers it. */
import { requireString } from '../command.ts';
import { OfferedBundle } from '../../cloud/ota/offered-bundle.ts';
import { putPublished } from '../../cloud/ota/store-bundles.ts';
import { openStore } from '../../cloud/store/question-store.ts';
import type { CloudSubcommand } from './cloud.ts';

export const cloudPublish: CloudSubcommand = {
  name: 'publish',
  help: `elma cloud publish --store <file.sqlite|postgres://…> <bundle.tar> [--index <file>]

Puts a bundle archive and its signed chunk index (elma bundle pack --out, or what elma cloud retrain
wrote) into the store. Every elma cloud serve node on that store offers it to devices within its
--bundle-poll-ms. The index is checked first (its signature's shape, the archive's size and hash);
the devices check the signature against their release key. A version already published with other
bytes is refused.

Options:
  --store <spec>         the store the cloud nodes share
  --index <file>         the signed chunk index (default <bundle.tar>.index.json)`,
  options: { store: { type: 'string' }, index: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run(positionals, args, io) {
    const tar = positionals[0]!;
    const offered = new OfferedBundle(tar, typeof args.values.index === 'string' ? args.values.index : undefined);
    const { model, size } = offered.signed.index;
    const version = offered.version;
    offered.close();
    const store = await openStore(requireString(args, 'store'));
    try {
      await putPublished(store, model, version, tar, typeof args.values.index === 'string' ? args.values.index : undefined);
    } finally {
      await store.close();
    }
    io.stdout(`published ${model} version ${version} (${size} bytes): the cloud nodes offer it within their poll interval\n`);
    return 0;
  },
};
