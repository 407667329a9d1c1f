/**
 * The device's side of a model download over the link, for bench:qjs-edge: connect to the cloud
 * (`elma serve --offer`, the Noise IK handshake), take its offer, and fetch every chunk of the
 * offered archive as the device's update does (runtime/ota/chunk-download.ts: 64 KiB `chunk-req`
 * pieces, 8 in flight, each chunk's SHA-256 checked against the signed index), without writing it
 * to disk. Every reply is a ChaCha20-Poly1305 sealed frame (docs/transport.md), so this is the
 * download and its decryption. Runs on Node (node or noble provider) and, bundled by
 * build/quickjs/qjs-edge-bundle.ts, on elma-qjs (noble provider: in C with the twins, interpreted
 * without). Prints one JSON line: ms from the start of the connection to the handshake's end (the
 * process's first: QuickJS interprets, Node compiles on first use), ms for the download, bytes.
 *
 *   <node --import tsx | elma-qjs bundle.js> bench/_link-download.ts <node|noble> <host:port> <server public hex> <device key file>
 */
import { createHash, randomBytes } from 'node:crypto';
import { unpackChunkIndex } from '../models/bundle/chunk-index.ts';
import { DeviceLink } from '../runtime/link/device-link.ts';
import { MemoryOutbox } from '../runtime/link/outbox.ts';
import { downloadChunks } from '../runtime/ota/chunk-download.ts';
import { nobleProvider } from '../transport/crypto/noble.ts';
import { readKeyFile, parsePublicKey } from '../transport/node/key-file.ts';
import { nodeProvider } from '../transport/node/node-crypto.ts';
import type { Offer } from '../transport/schema.ts';

const [which, address, serverHex, keyFile] = process.argv.slice(2);
if (address === undefined || serverHex === undefined || keyFile === undefined || (which !== 'node' && which !== 'noble')) {
  throw new Error('usage: _link-download.ts <node|noble> <host:port> <server public hex> <device key file>');
}
const provider = which === 'node' ? nodeProvider : nobleProvider;

// QuickJS 2021-03-27 has no top-level await: the work is one async function.
async function download(): Promise<void> {
  const colon = address!.lastIndexOf(':');
  const staticKey = readKeyFile(keyFile!, provider), serverKey = parsePublicKey(serverHex!, 'server key');
  const t0 = performance.now();
  let connectedMs = 0;
  let offerOf: (o: Offer) => void = () => undefined;
  const offered = new Promise<Offer>((resolve) => { offerOf = resolve; });
  const link = new DeviceLink({
    host: address!.slice(0, colon), port: Number(address!.slice(colon + 1)),
    serverKey, staticKey, provider,
    outbox: new MemoryOutbox((n) => new Uint8Array(randomBytes(n))),
    onConnected: () => { connectedMs = performance.now() - t0; },
    onOffer: (o) => offerOf(o),
  });
  link.start();
  const ix = unpackChunkIndex(await offered, 'the offer').index; // the device also verifies its signature: one Ed25519 check, not timed here
  const t1 = performance.now();
  let written = 0;
  const fetched = await downloadChunks(ix, ix.chunks.map((_, i) => i), async (offset, length) => {
    const r = await link.request({ t: 'chunk-req', version: ix.version, offset, length });
    if (r.t !== 'chunk' || r.offset !== offset) throw new Error(`chunk at ${offset}: got a "${r.t}" reply`);
    return r.data;
  }, { write: (_i, bytes) => { written += bytes.byteLength; } }, 'the offer', { sha256Hex: (b) => createHash('sha256').update(b).digest('hex') });
  const downloadMs = performance.now() - t1;
  link.stop();
  if (written !== ix.size || fetched !== ix.size) throw new Error(`fetched ${fetched} and wrote ${written} bytes of ${ix.size}`);
  process.stdout.write(`${JSON.stringify({ provider: provider.name, connectedMs, downloadMs, bytes: fetched, chunks: ix.chunks.length })}\n`);
}

download().catch((e: Error) => {
  process.stderr.write(`_link-download: ${e.message}\n`);
  process.exitCode = 1;
});
