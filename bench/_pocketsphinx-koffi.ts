/**
 * libpocketsphinx (Debian's 0.8+5prealpha, libpocketsphinx.so.3) in this process through koffi,
 * for bench:voice's measurement of the choice docs/voice.md explains: a decoder kept loaded here
 * against a child process per utterance. Only what the measurement needs: configure (the same
 * options as the child's command line, through cmd_ln_parse_r), decode raw 16 kHz samples, read
 * the hypothesis. pocketsphinx.h and sphinxbase/cmd_ln.h give the signatures.
 */
import koffi from 'koffi';

export interface InProcessDecoder {
  /** The hypothesis of one utterance and the decode's wall time (the models already loaded). */
  decode(samples: Int16Array): { text: string; ms: number };
  free(): void;
}

/** A decoder loaded with `args` (e.g. ['-hmm', dir, '-lm', f, '-dict', g]); throws when the library is missing. */
export function openInProcess(args: readonly string[]): { decoder: InProcessDecoder; loadMs: number } {
  const t0 = performance.now();
  const lib = koffi.load('libpocketsphinx.so.3');
  const psArgs = lib.func('void *ps_args()');
  const parse = lib.func('void *cmd_ln_parse_r(void *inout, void *defn, int argc, const char **argv, int strict)');
  const init = lib.func('void *ps_init(void *config)');
  const start = lib.func('int ps_start_utt(void *ps)');
  const processRaw = lib.func('int ps_process_raw(void *ps, const int16_t *data, size_t n, int no_search, int full_utt)');
  const end = lib.func('int ps_end_utt(void *ps)');
  const hyp = lib.func('const char *ps_get_hyp(void *ps, _Out_ int32_t *score)');
  const free = lib.func('int ps_free(void *ps)');
  const argv = ['decoder', ...args, '-logfn', '/dev/null'];
  const config = parse(null, psArgs(), argv.length, argv, 1);
  if (config === null) throw new Error(`libpocketsphinx: bad options ${args.join(' ')}`);
  const ps = init(config);
  if (ps === null) throw new Error('libpocketsphinx: ps_init failed');
  const loadMs = performance.now() - t0;
  return {
    loadMs,
    decoder: {
      decode(samples) {
        const t = performance.now();
        start(ps);
        processRaw(ps, samples, samples.length, 0, 1);
        end(ps);
        const text = (hyp(ps, [0]) as string | null) ?? '';
        return { text, ms: performance.now() - t };
      },
      free() { free(ps); },
    },
  };
}
