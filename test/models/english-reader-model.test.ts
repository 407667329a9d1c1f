/**
 * A regression test on the committed English-reading model (models/english-reader, README "An
 * English-reading model"): `elma eval` on 300 fresh questions of the English generator (seed 5:
 * seeds 1 and 2 made its training and dev sets) and 300 of the default generator (seed 3), with
 * floors a little under what it measures, so that a change that hurts it (generator, features,
 * answer extraction, kernels) fails here. Native backend (~20 s on 2 cores); without the native
 * library a loud skip (a failure under ELMA_REQUIRE_NATIVE=1).
 */
import path from 'node:path';
import { elma, scratch } from '../_cli.ts';
import { testWithNative } from '../_native.ts';

interface Report {
  model: string; questions: number; full: { f1: number };
  early_exit: { f1: number; mean_layers: number }; device: { f1: number; offload_rate: number };
}

testWithNative('elma_native')('the English-reading model on 300 fresh English-generator and 300 fresh template questions: F1 and early-exit layers above their floors', async (t) => {
  const dir = scratch();
  const run = async (args: string[], name: string): Promise<Report> => {
    const data = path.join(dir, `${name}.json`);
    t.is((await elma(['data', 'synth', ...args, '--n', '300', '--out', data])).code, 0);
    const ev = await elma(['eval', '--bundle', 'models/english-reader', '--data', data, '--backend', 'native', '--json']);
    t.is(ev.code, 0, ev.stderr);
    const rep = JSON.parse(ev.stdout) as Report;
    t.is(rep.model, 'elma-english-reader');
    t.is(rep.questions, 300);
    t.log(`${name}: full F1 ${rep.full.f1.toFixed(2)}, early exit F1 ${rep.early_exit.f1.toFixed(2)} at ${rep.early_exit.mean_layers.toFixed(2)} layers, device F1 ${rep.device.f1.toFixed(2)} offloading ${(100 * rep.device.offload_rate).toFixed(1)}%`);
    return rep;
  };
  const english = await run(['--generator', 'english', '--seed', '5'], 'english-seed5');
  t.true(english.full.f1 >= 78, `English generator: full F1 ${english.full.f1.toFixed(2)} under 78`);
  t.true(english.early_exit.f1 >= english.full.f1 - 1.5, 'English generator: early exit more than 1.5 F1 under the full model');
  t.true(english.early_exit.mean_layers <= 4.6, `English generator: ${english.early_exit.mean_layers.toFixed(2)} mean layers`);
  const templates = await run(['--seed', '3'], 'synth-seed3');
  t.true(templates.full.f1 >= 89, `template generator: full F1 ${templates.full.f1.toFixed(2)} under 89`);
  t.true(templates.early_exit.mean_layers <= 4, `template generator: ${templates.early_exit.mean_layers.toFixed(2)} mean layers`);
  // The default model on the English generator, for contrast: the fine-tuning is what reads it.
  const data = path.join(dir, 'english-seed5.json');
  const base = JSON.parse((await elma(['eval', '--bundle', 'models/default', '--data', data, '--backend', 'native', '--json'])).stdout) as Report;
  t.log(`the default model on the same English questions: full F1 ${base.full.f1.toFixed(2)}`);
  t.true(english.full.f1 > base.full.f1 + 30, 'the English-reading model reads the English generator far better than the default model');
});
