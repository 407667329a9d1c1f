import { optionalInt, optionalPort, requireString, UsageError, type Command } from '../command.ts';
import { LinkServer } from '../../cloud/link-server.ts';
import { DeviceRegistry } from '../../cloud/device-registry.ts';
import { echoHandler } from '../../cloud/request-handler.ts';
import { OfferedBundle } from '../../cloud/ota/offered-bundle.ts';
import { offerOf, otaHandler } from '../../cloud/ota/ota-handler.ts';
import { ReportLog } from '../../cloud/ota/report-log.ts';
import { readKeyFile, toHex } from '../../transport/node/key-file.ts';
import { LinkError } from '../../transport/errors.ts';
import { listenProblem } from './_listen-problem.ts';
import { CRYPTO_HELP, TIMEOUT_HELP, TIMEOUT_OPTIONS, cryptoOption, timeoutOptions } from './_link-options.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the cloud end of the encrypted link for registered devices',
  help: `Usage: elma serve --key <server.key> --registry <devices.json> [--host H] [--port N]
                  [--offer <bundle.tar> [--offer-index <file>]] [--reports <file.jsonl>] [options]

Listens for devices on TCP. Each connection starts with a Noise IK handshake: only devices whose
keys are in the registry are admitted, replayed handshakes are refused, and every frame after it
is encrypted and authenticated. Requests are answered by the handler (for now "echo": answers
"echo: <question>", serves deterministic bundle bytes, acknowledges reports); repeated requests
are answered from a reply cache, not handled twice.
Prints "listening on <host>:<port>" and the server's public key on stdout; logs each connection
opened and closed, with the reason, on stderr. Runs until SIGINT or SIGTERM.

With --offer, every device is offered that bundle as it connects (its signed chunk index, made by
elma bundle pack --out; the server holds no signing key) and may download it in chunks (elma update
--link). With --reports, the devices' update outcomes (good, rolled back and why, refused) are
appended to that JSON-lines file, fsynced before the device is told they are recorded.

Options:
  --key <file>           the server's key file (elma link-keygen)
  --registry <file>      the device registry (elma link-register)
  --host <addr>          address to listen on (default 127.0.0.1)
  --port <n>             TCP port (default 7420; 0 picks a free one)
  --handler echo         what answers requests (only "echo" until the cloud model is plugged in)
  --delay-ms <n>         the echo handler waits this long before answering (default 0)
  --offer <bundle.tar>   offer this bundle archive to devices (elma bundle pack --out)
  --offer-index <file>   its signed chunk index (default <bundle.tar>.index.json)
  --reports <file>       record device update reports here, one JSON object per line (created if missing)
${TIMEOUT_HELP}
${CRYPTO_HELP}
  --verbose              also log every request handled or answered from the cache`,
  options: {
    key: { type: 'string' }, registry: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' },
    handler: { type: 'string' }, 'delay-ms': { type: 'string' }, crypto: { type: 'string' }, verbose: { type: 'boolean' },
    offer: { type: 'string' }, 'offer-index': { type: 'string' }, reports: { type: 'string' },
    ...TIMEOUT_OPTIONS,
  },
  async run(args, io) {
    const provider = cryptoOption(args);
    const port = optionalPort(args, 'port', 7420);
    const staticKey = readKeyFile(requireString(args, 'key'), provider);
    const registry = DeviceRegistry.load(requireString(args, 'registry'));
    const handlerName = args.values.handler ?? 'echo';
    if (handlerName !== 'echo') throw new UsageError(`--handler must be echo, got ${JSON.stringify(handlerName)}`);
    const verbose = args.values.verbose === true;
    const log = (level: 'info' | 'debug', line: string): void => { if (level === 'info' || verbose) io.stderr(`${new Date().toISOString()} ${line}\n`); };
    if (args.values['offer-index'] !== undefined && args.values.offer === undefined) throw new UsageError('--offer-index needs --offer <bundle.tar>');
    const offered = typeof args.values.offer === 'string'
      ? new OfferedBundle(args.values.offer, typeof args.values['offer-index'] === 'string' ? args.values['offer-index'] : undefined) : undefined;
    const reports = typeof args.values.reports === 'string' ? new ReportLog(args.values.reports) : undefined;
    const offer = offered === undefined ? undefined : offerOf(offered);
    const server = new LinkServer({
      staticKey, registry, provider, config: timeoutOptions(args),
      handler: otaHandler({
        ...(offered === undefined ? {} : { offered }), ...(reports === undefined ? {} : { reports }),
        next: echoHandler({ delayMs: optionalInt(args, 'delay-ms', 0) }), log: (line) => log('info', line),
      }),
      offerFor: () => offer,
      log,
    });
    const host = typeof args.values.host === 'string' ? args.values.host : '127.0.0.1';
    const addr = await server.listen(port, host).catch((e: NodeJS.ErrnoException) => {
      void server.close();
      throw new LinkError(`${host}:${port}`, listenProblem(e));
    });
    io.stdout(`listening on ${addr.host}:${addr.port}\nserver key ${toHex(staticKey.publicKey)}\n${registry.size} device(s) registered, crypto ${provider.name}\n`);
    if (offered !== undefined) io.stdout(`offering ${offered.signed.index.model} version ${offered.version} (${offered.signed.index.size} bytes, ${offered.signed.index.chunks.length} chunks) from ${offered.file}\n`);
    if (reports !== undefined) io.stdout(`recording reports in ${reports.file} (${reports.size} so far)\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    offered?.close();
    io.stderr(`${new Date().toISOString()} stopped after ${server.stats.opened} connection(s), ${server.stats.handled} request(s) handled\n`);
    return 0;
  },
};
