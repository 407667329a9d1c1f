/** The subcommands of `elma cloud`, in the order its help lists them (one file each). */
import type { CloudSubcommand } from './cloud.ts';
import { cloudServe } from './cloud-serve.ts';
import { cloudRetrain } from './cloud-retrain.ts';
import { cloudExport } from './cloud-export.ts';
import { cloudCorrections } from './cloud-corrections.ts';
import { cloudPublish } from './cloud-publish.ts';
import { cloudDevices } from './cloud-devices.ts';
import { cloudRollout } from './cloud-rollout.ts';

export const CLOUD_SUBCOMMANDS: readonly CloudSubcommand[] = [
  cloudServe,
  cloudRetrain,
  cloudPublish,
  cloudDevices,
  cloudRollout,
  cloudExport,
  cloudCorrections,
];
