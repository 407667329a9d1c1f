/**
 * `elma cloud serve`: one cloud node (cloud/cloud-service.ts) — the encrypted link, the full model
 * answering offloads through the dynamic batcher, the hard-question store, the bundle on offer and,
 * with --retrain-after, retraining in a child process that publishes the next version.
 */
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { runModelWorker } from '../../cloud/answering/model-worker.ts';
import { optionalInt, optionalPort, requireString, UsageError, type ParsedArgs } from '../command.ts';
import { CloudService } from '../../cloud/cloud-service.ts';
import { DeviceRegistry } from '../../cloud/device-registry.ts';
import { ReportLog } from '../../cloud/ota/report-log.ts';
import { DEFAULT_BATCHER } from '../../cloud/answering/dynamic-batcher.ts';
import { isPostgresSpec, openStore, type QuestionStore } from '../../cloud/store/question-store.ts';
import { RetrainScheduler } from '../../cloud/retrain/retrain-scheduler.ts';
import { DEFAULT_FLEET_POLL_MS, DEFAULT_WINDOW_MS, FleetService } from '../../cloud/fleet/fleet-service.ts';
import { readPublicKeyArg } from '../../models/bundle/node/key-file.ts';
import { parseDuration } from './_duration.ts';
import { startAdminServer, type AdminServer } from '../../cloud/admin/admin-server.ts';
import { loadOrCreateToken } from '../../cloud/admin/admin-token.ts';
import { readKeyFile, toHex } from '../../transport/node/key-file.ts';
import { LinkError } from '../../transport/errors.ts';
import { listenProblem } from './_listen-problem.ts';
import { CRYPTO_HELP, TIMEOUT_HELP, TIMEOUT_OPTIONS, cryptoOption, timeoutOptions } from './_link-options.ts';
import type { CloudSubcommand } from './cloud.ts';

const RETRAIN_FLAGS = ['dev', 'replay', 'release-key', 'publish-dir'] as const;

function batcherOptions(args: ParsedArgs): typeof DEFAULT_BATCHER {
  const d = DEFAULT_BATCHER;
  return {
    maxBatchRows: optionalInt(args, 'max-batch', d.maxBatchRows, 1),
    maxQueueDelayMs: optionalInt(args, 'queue-delay-ms', d.maxQueueDelayMs, 0),
    maxQueueRows: optionalInt(args, 'max-queue', d.maxQueueRows, 1),
    deadlineMs: optionalInt(args, 'deadline-ms', d.deadlineMs, 1),
  };
}

export const cloudServe: CloudSubcommand = {
  name: 'serve',
  help: `elma cloud serve --bundle <dir> --key <server.key> (--store <file.sqlite|postgres://…> | --registry <devices.json>)
                 [--host H] [--port N] [--backend B] [--offer <bundle.tar>] [--reports <file.jsonl>]
                 [--admin-port N [--admin-host H] [--admin-token <file>]] [--pubkey <release key>]
                 [--retrain-after N --dev <dev.json> --replay <train.json> --release-key <key> --publish-dir <dir>]

Answers the devices' offloaded questions with every layer of the bundle's model (the text form is
tokenized here; the hidden-state form continues from the device's layer), batching concurrent
questions (a queue delay and a maximum batch, as Triton's dynamic batcher). When the queue is full a
device is told "busy" with a retry-after at once. Every offloaded question is stored once in the
hard-question store before it is answered. Also serves updates (--offer, --reports) as elma serve.
With --retrain-after N, every N newly stored questions start a retrain (elma cloud retrain) in a
child process; a version that passes the gate is published to --publish-dir, put in the store and
offered to devices. Every node offers the newest version in the store (elma cloud publish puts one).

With --store, the store also holds the fleet (docs/fleet.md): the enrolled devices (elma cloud
devices; a --registry file's devices are enrolled once at start), each device's status reports and
update outcomes, and staged rollouts (elma cloud rollout), which this node offers stage by stage.
Changes made elsewhere reach the node within --fleet-poll-ms. --admin-port starts the admin API and
the dashboard (docs/dashboard.md) on --admin-host (loopback by default), with the bearer token in
--admin-token (created with mode 0600 when missing).

Options:
  --bundle <dir>         the full model (elma's bundle directory)
  --key <file>           the server's key file (elma link-keygen)
  --registry <file>      the device registry (elma link-register); with --store, enrolled into it once
  --store <spec>         the hard-question store and the fleet: a SQLite file (created) or a postgres:// URL
  --fleet-poll-ms <n>    look in the store for device and rollout changes this often (default ${DEFAULT_FLEET_POLL_MS})
  --window <duration>    the devices' activity window in the fleet view (default 15m)
  --admin-port <n>       serve the admin API and dashboard on this port (0 picks a free one)
  --admin-host <addr>    its address (default 127.0.0.1)
  --admin-token <file>   its bearer token file (default <store>.admin-token, or ./elma-admin.token with PostgreSQL)
  --pubkey <key>         the release public key rollouts started through the admin API must be signed with
  --host <addr>          address to listen on (default 127.0.0.1)
  --port <n>             TCP port (default 7420; 0 picks a free one)
  --backend <name>       auto | js | native | onnx | cuda (default auto: the fastest available)
  --max-batch <n>        most SQuAD windows in one batch (default ${DEFAULT_BATCHER.maxBatchRows}; 1 turns batching off)
  --queue-delay-ms <n>   longest a question waits for others to join its batch (default ${DEFAULT_BATCHER.maxQueueDelayMs})
  --max-queue <n>        most windows waiting before devices are told busy (default ${DEFAULT_BATCHER.maxQueueRows})
  --deadline-ms <n>      a question not started within this is answered busy (default ${DEFAULT_BATCHER.deadlineMs})
  --inline-model         run the model on the event loop instead of its worker thread (for comparisons)
  --offer <bundle.tar>   offer this bundle archive to devices (elma bundle pack --out)
  --offer-index <file>   its signed chunk index (default <bundle.tar>.index.json)
  --reports <file>       record device update reports here, one JSON object per line
  --retrain-after <n>    retrain after every n newly stored questions (needs the four options below)
  --dev <file>           SQuAD dev set the retrain gate measures F1 on
  --replay <file>        original training data mixed into each retrain
  --release-key <file>   the release signing key (elma keygen) published bundles are signed with
  --publish-dir <dir>    where versions are published and cached (default <store>.bundles/, or
                         ./elma-cloud-bundles with PostgreSQL)
  --bundle-poll-ms <n>   look in the store for versions other nodes published this often (default 5000)
${TIMEOUT_HELP}
${CRYPTO_HELP}
  --verbose              also log every request handled or answered from the cache`,
  options: {
    bundle: { type: 'string' }, key: { type: 'string' }, registry: { type: 'string' }, store: { type: 'string' },
    'fleet-poll-ms': { type: 'string' }, window: { type: 'string' }, 'admin-port': { type: 'string' }, 'admin-host': { type: 'string' }, 'admin-token': { type: 'string' }, pubkey: { type: 'string' },
    host: { type: 'string' }, port: { type: 'string' }, backend: { type: 'string' }, crypto: { type: 'string' }, verbose: { type: 'boolean' },
    'max-batch': { type: 'string' }, 'queue-delay-ms': { type: 'string' }, 'max-queue': { type: 'string' }, 'deadline-ms': { type: 'string' },
    offer: { type: 'string' }, 'offer-index': { type: 'string' }, reports: { type: 'string' },
    'retrain-after': { type: 'string' }, 'bundle-poll-ms': { type: 'string' }, 'inline-model': { type: 'boolean' }, 'model-worker': { type: 'boolean' }, dev: { type: 'string' }, replay: { type: 'string' }, 'release-key': { type: 'string' }, 'publish-dir': { type: 'string' },
    ...TIMEOUT_OPTIONS,
  },
  async run(_positionals, args, io) {
    if (args.values['model-worker'] === true) {
      if (isMainThread) throw new UsageError('--model-worker is internal: elma cloud serve starts its model worker with it');
      return runModelWorker();
    }
    const provider = cryptoOption(args);
    const port = optionalPort(args, 'port', 7420);
    const adminPort = optionalPort(args, 'admin-port', 0);
    const bundle = requireString(args, 'bundle');
    const staticKey = readKeyFile(requireString(args, 'key'), provider);
    if (args.values.store === undefined) {
      requireString(args, 'registry');
      for (const f of ['fleet-poll-ms', 'window', 'admin-port', 'admin-host', 'admin-token', 'pubkey']) {
        if (args.values[f] !== undefined) throw new UsageError(`--${f} needs --store (the fleet is kept in the store)`);
      }
    }
    if (args.values['admin-port'] === undefined) for (const f of ['admin-host', 'admin-token']) if (args.values[f] !== undefined) throw new UsageError(`--${f} is only used with --admin-port`);
    const registry = typeof args.values.registry === 'string' ? DeviceRegistry.load(args.values.registry) : undefined;
    const verbose = args.values.verbose === true;
    const log = (level: 'info' | 'debug', line: string): void => { if (level === 'info' || verbose) io.stderr(`${new Date().toISOString()} ${line}\n`); };
    if (args.values['offer-index'] !== undefined && args.values.offer === undefined) throw new UsageError('--offer-index needs --offer <bundle.tar>');
    const retrainAfter = args.values['retrain-after'] === undefined ? undefined : optionalInt(args, 'retrain-after', 0, 1);
    if (retrainAfter !== undefined) {
      for (const f of RETRAIN_FLAGS) requireString(args, f);
      if (args.values.store === undefined) throw new UsageError('--retrain-after needs --store (the questions to retrain on)');
    } else {
      for (const f of RETRAIN_FLAGS) if (f !== 'publish-dir' && args.values[f] !== undefined) throw new UsageError(`--${f} is only used with --retrain-after`);
    }
    const batcher = batcherOptions(args);
    const store: QuestionStore | undefined = typeof args.values.store === 'string' ? await openStore(args.values.store) : undefined;
    const spec = args.values.store as string;
    const cache = typeof args.values['publish-dir'] === 'string' ? path.resolve(args.values['publish-dir'])
      : store === undefined ? '' : isPostgresSpec(spec) ? path.resolve('elma-cloud-bundles') : `${path.resolve(spec)}.bundles`;
    let scheduler: RetrainScheduler | undefined;
    let service: CloudService | undefined;
    const fleet = store === undefined ? undefined : await FleetService.open({
      store, cacheDir: path.join(cache, 'rollouts'), log: (line) => log('info', line),
      pollMs: optionalInt(args, 'fleet-poll-ms', DEFAULT_FLEET_POLL_MS, 10),
      windowMs: typeof args.values.window === 'string' ? parseDuration('window', args.values.window) : DEFAULT_WINDOW_MS,
      ...(typeof args.values.pubkey === 'string' ? { trustedKeys: [readPublicKeyArg(args.values.pubkey, 'pubkey')] } : {}),
      metrics: () => service!.metrics(),
    }, registry?.entries() ?? []);
    service = new CloudService({
      bundle, staticKey, provider, link: timeoutOptions(args), batcher, log,
      ...(fleet === undefined ? { registry: registry! } : { fleet }),
      ...(typeof args.values.backend === 'string' ? { backend: args.values.backend } : {}),
      ...(store === undefined ? {} : { store }),
      ...(typeof args.values.offer === 'string' ? { offer: { tar: args.values.offer, ...(typeof args.values['offer-index'] === 'string' ? { index: args.values['offer-index'] } : {}) } } : {}),
      ...(typeof args.values.reports === 'string' ? { reports: new ReportLog(args.values.reports) } : {}),
      onStored: () => scheduler?.stored(), modelWorker: args.values['inline-model'] !== true,
    });
    if (retrainAfter !== undefined) {
      scheduler = new RetrainScheduler({
        store: store!, storeSpec: args.values.store as string, every: retrainAfter, bundle, dev: path.resolve(args.values.dev as string),
        replay: path.resolve(args.values.replay as string), releaseKey: path.resolve(args.values['release-key'] as string),
        publishDir: path.resolve(args.values['publish-dir'] as string),
        ...(typeof args.values.backend === 'string' ? { backend: args.values.backend } : {}),
        log: (line) => log('info', line),
        onPublished: (p) => void service.publish(p.bundleDir, p.tar, p.index).catch((e: Error) => log('info', `publish failed: ${e.message}`)),
      });
      await scheduler.start();
    }
    if (store !== undefined) {
      // Versions published by any node (or elma cloud publish) are offered here too.
      service.watchStore(cache, optionalInt(args, 'bundle-poll-ms', 5000, 100));
    }
    const host = typeof args.values.host === 'string' ? args.values.host : '127.0.0.1';
    const addr = await service.listen(port, host).catch(async (e: NodeJS.ErrnoException) => {
      await service.close();
      throw new LinkError(`${host}:${port}`, listenProblem(e));
    });
    const m = service.answerer.full.bundle.manifest;
    const admitted = fleet?.size ?? registry!.size;
    io.stdout(`listening on ${addr.host}:${addr.port}\nserver key ${toHex(staticKey.publicKey)}\n${admitted} device(s) ${fleet === undefined ? 'registered' : 'enrolled'}, crypto ${provider.name}\n`
      + `answering with ${m.model_id} version ${m.version} (${service.answerer.numLayers} layers, backend ${service.answerer.full.model.backend.name}), `
      + `batches of up to ${batcher.maxBatchRows} windows, queue delay ${batcher.maxQueueDelayMs} ms\n`
      + (store === undefined ? 'no store: offloaded questions are answered, not kept\n' : `storing questions in ${args.values.store as string} (${await store.count()} so far)\n`));
    let admin: AdminServer | undefined;
    if (args.values['admin-port'] !== undefined && fleet !== undefined) {
      const tokenFile = typeof args.values['admin-token'] === 'string' ? args.values['admin-token']
        : isPostgresSpec(spec) ? path.resolve('elma-admin.token') : `${path.resolve(spec)}.admin-token`;
      const token = loadOrCreateToken(tokenFile);
      const adminHost = typeof args.values['admin-host'] === 'string' ? args.values['admin-host'] : '127.0.0.1';
      admin = await startAdminServer({ admin: fleet, token, host: adminHost, port: adminPort, log: (line) => log('debug', line) })
        .catch(async (e: NodeJS.ErrnoException) => {
          await service!.close();
          throw new LinkError(`admin ${adminHost}:${String(args.values['admin-port'])}`, e.code === 'EADDRINUSE' ? 'address already in use' : e.message);
        });
      io.stdout(`admin API and dashboard on ${admin.url} (bearer token in ${tokenFile})\n`);
    }
    const offered = service.offered;
    if (offered !== undefined) io.stdout(`offering ${offered.signed.index.model} version ${offered.version} (${offered.signed.index.size} bytes, ${offered.signed.index.chunks.length} chunks) from ${offered.file}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await scheduler?.stop();
    await admin?.close();
    await service.close();
    await store?.close();
    const s = service.stats;
    io.stderr(`${new Date().toISOString()} stopped after ${service.server.stats.opened} connection(s): ${s.answered} answered, ${s.stored} stored, ${s.duplicates} duplicate(s), ${s.busy} busy, ${s.refused} refused, ${s.storeFailures} store failure(s)\n`);
    return 0;
  },
};
