/**
 * The device program's commands (dist/elma-edge.mjs, the program of the device image: docs/image.md).
 * Only what runs on a device: the device program itself, its slots and updates, checking a bundle,
 * making its link key, one question. Nothing here imports cloud/ (a test checks the bundle's inputs).
 */
import type { Command } from './command.ts';
import { edgeCommand } from './commands/edge.ts';
import { askCommand } from './commands/ask.ts';
import { slotsCommand } from './commands/slots.ts';
import { updateCommand } from './commands/update.ts';
import { bundleCommand } from './commands/bundle.ts';
import { linkKeygenCommand } from './commands/link-keygen.ts';

export const DEVICE_COMMANDS: readonly Command[] = [
  edgeCommand,
  askCommand,
  slotsCommand,
  updateCommand,
  bundleCommand,
  linkKeygenCommand,
];
