/**
 * Fixtures of the `elma edge` tests: the default model signed with a fresh release key, a link
 * server key and registry (test/transport/_procs.ts), and a device directory made by `elma edge
 * init` and enrolled, kept as a template: each test copies it (fresh outbox and slots).
 */
import { chmodSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { elma, scratch } from '../_cli.ts';
import { linkFiles, Proc, type LinkFiles } from '../transport/_procs.ts';
import { registerDevice } from '../../cloud/device-registry.ts';
import { readPublicKey, toHex } from '../../transport/node/key-file.ts';
import { nodeProvider } from '../../transport/node/node-crypto.ts';
import type { ExecutionContext } from 'ava';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A context from the default model's golden questions, and questions it answers confidently. */
export const CONTEXT = "Kravgia lies in the province of Vacurnria. The city stands on the banks of the Jiva. The history of Kravgia goes back to 1770. Kravgia's founder was Husen Moukravani. Bamim Ciandduley serves as mayor of Kravgia. By profession, Bamim Ciandduley was a geologist.";
export const QUESTION = 'Who was the founder of Kravgia?';
export const ANSWER = 'Husen Moukravani';

export interface EdgeKit {
  readonly f: LinkFiles;
  readonly releasePub: string;
  /** The release (bundle signing) secret key file that signed `bundle`. */
  readonly signKey: string;
  readonly bundle: string;
  /** A device directory from `elma edge init`, enrolled as "edge-0"; copy it with device(). */
  readonly template: string;
  readonly devicePub: string;
}

export async function edgeKit(): Promise<EdgeKit> {
  const dir = scratch('elma-edge-kit-');
  const bundle = path.join(dir, 'bundle');
  cpSync(path.join(ROOT, 'models/default'), bundle, { recursive: true });
  const sign = path.join(dir, 'sign.key');
  const kg = await elma(['keygen', '--out', sign]);
  if (kg.code !== 0) throw new Error(kg.stderr);
  const releasePub = kg.stdout.trim().split('\n')[0]!.trim();
  const pack = await elma(['bundle', 'pack', bundle, '--key', sign, '--version', '1']);
  if (pack.code !== 0) throw new Error(pack.stderr);
  const f = linkFiles(1);
  const template = path.join(dir, 'dev');
  const init = await elma(['edge', 'init', '--dir', template, '--cloud', '127.0.0.1:1', '--server-key', toHex(f.serverKey.publicKey),
    '--release-key', releasePub, '--bundle', bundle, '--name', 'edge-0']);
  if (init.code !== 0) throw new Error(init.stderr);
  const devicePub = toHex(readPublicKey(path.join(template, 'device.key'), 'device.key', nodeProvider));
  registerDevice(f.registry, 'edge-0', readPublicKey(devicePub, 'key', nodeProvider));
  return { f, releasePub, signKey: sign, bundle, template, devicePub };
}

/** A fresh copy of the device directory with edge.json fields changed; returns the config file. */
export function device(k: EdgeKit, fields: Record<string, unknown> = {}): string {
  const dir = path.join(scratch('elma-edge-'), 'dev');
  cpSync(k.template, dir, { recursive: true });
  chmodSync(path.join(dir, 'device.key'), 0o600);
  const file = path.join(dir, 'edge.json');
  const c = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...c, update_interval_s: 0, status_interval_s: 0, ...fields }, null, 2));
  return file;
}

/** `elma edge --config <file> ...` as a child process, killed when the test ends. */
export function edge(t: ExecutionContext, config: string, extra: string[] = [], stdin?: string): Proc {
  const p = new Proc(['edge', '--config', config, ...extra], stdin);
  t.teardown(() => p.kill());
  return p;
}

export const jsonOut = (p: Proc): Record<string, unknown>[] => p.out.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
