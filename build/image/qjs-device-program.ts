/**
 * The device program of a `--runtime qjs` image: build/quickjs/qjs-edge-bundle.ts's bundle (the
 * same device code as the Node program, on node-api/ over elma:host), built afresh into the image
 * as dist/elma-qjs-edge.js. As for the Node program (device-program.ts), esbuild's metafile says
 * what went in, and a bundle holding cloud/ code or importing anything but the host's own modules
 * (elma:host, elma:kernels) is refused. No source map: QuickJS does not read one.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleQjsEdge } from '../quickjs/qjs-edge-bundle.ts';
import { deviceProgramProblems, packagesOf, type DeviceProgram } from './device-program.ts';
import { ImageError } from './image-error.ts';

export const QJS_PROGRAM = 'elma-qjs-edge.js';

export async function buildQjsDeviceProgram(root: string, outDir: string): Promise<Omit<DeviceProgram, 'map'>> {
  const { code, metafile } = await bundleQjsEdge();
  // The host's modules are the only imports left outside the bundle; anything else is a problem.
  const outputs = Object.fromEntries(Object.entries(metafile.outputs)
    .map(([k, o]) => [k, { imports: o.imports.filter((i) => !i.path.startsWith('elma:')) }]));
  // esbuild names inputs relative to the working directory; the manifest's are the repository's.
  const inputs = Object.keys(metafile.inputs).map((f) => path.relative(root, path.resolve(f))).sort();
  const problems = deviceProgramProblems({ inputs: Object.fromEntries(inputs.map((f) => [f, {}])), outputs });
  if (problems.length > 0) throw new ImageError('the elma-qjs device program (build/quickjs/qjs-edge.ts)', problems.join('; '));
  const file = path.join(outDir, QJS_PROGRAM);
  writeFileSync(file, code);
  return { file, inputs, packages: packagesOf(inputs) };
}
