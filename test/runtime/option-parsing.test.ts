/**
 * The command line's option helpers (issue 15, "the inputs people type"): an empty or blank value
 * is named as such (not "missing"), integers, ports and numbers out of range or not numbers at all
 * are one line naming the option, and node:util parseArgs' own multi-line complaints ("argument is
 * ambiguous" for `--max-length -5`) never reach the user.
 */
import test from 'ava';
import { optionalInt, optionalNumber, optionalPort, requireString, requireText, UsageError, type Options, type ParsedArgs } from '../../cli/command.ts';
import { parseCommandLine, parseErrorLine } from '../../cli/parse-command-line.ts';
import { elma } from '../_cli.ts';

const args = (values: ParsedArgs['values']): ParsedArgs => ({ values, positionals: [] });

test('requireString: a missing option and an empty one are told apart; requireText also refuses whitespace', (t) => {
  t.throws(() => requireString(args({}), 'context'), { instanceOf: UsageError, message: 'missing required option --context' });
  t.throws(() => requireString(args({ context: '' }), 'context'), { instanceOf: UsageError, message: '--context is empty' });
  t.is(requireString(args({ context: ' ' }), 'context'), ' ');
  t.throws(() => requireText(args({ context: ' \t\n' }), 'context'), { instanceOf: UsageError, message: '--context is blank (only whitespace)' });
  t.is(requireText(args({ context: ' a ' }), 'context'), ' a ');
});

test('optionalInt: garbage, fractions, negatives and values out of range name the option and the range', (t) => {
  t.is(optionalInt(args({}), 'n', 7), 7);
  t.is(optionalInt(args({ n: '12' }), 'n', 7), 12);
  t.is(optionalInt(args({ n: '+3' }), 'n', 7), 3);
  for (const bad of ['', 'abc', '1.5', '1e3', '0x10', '-5', '99999999999999999999']) {
    t.throws(() => optionalInt(args({ n: bad }), 'n', 0, 0), { instanceOf: UsageError, message: `--n must be an integer ≥ 0, got ${JSON.stringify(bad)}` }, bad);
  }
  t.throws(() => optionalInt(args({ n: '9' }), 'n', 0, 1, 8), { instanceOf: UsageError, message: '--n must be an integer in 1..8, got "9"' });
});

test('optionalPort: 0..65535 only', (t) => {
  t.is(optionalPort(args({}), 'port', 7420), 7420);
  t.is(optionalPort(args({ port: '0' }), 'port', 7420), 0);
  t.is(optionalPort(args({ port: '65535' }), 'port', 7420), 65535);
  for (const bad of ['65536', '99999', '-1', 'http', '', '80.5']) {
    t.throws(() => optionalPort(args({ port: bad }), 'port', 0), { instanceOf: UsageError, message: `--port must be a TCP port 0..65535, got ${JSON.stringify(bad)}` }, bad);
  }
});

test('optionalNumber: decimal notation only', (t) => {
  t.is(optionalNumber(args({ x: '-0.5' }), 'x', 0), -0.5);
  t.is(optionalNumber(args({ x: '1e-3' }), 'x', 0), 1e-3);
  t.is(optionalNumber(args({ x: '.25' }), 'x', 0), 0.25);
  for (const bad of ['', ' ', '0x10', 'Infinity', 'NaN', '1,5', 'one']) {
    t.throws(() => optionalNumber(args({ x: bad }), 'x', 0), { instanceOf: UsageError, message: `--x must be a number, got ${JSON.stringify(bad)}` }, bad);
  }
});

const OPTIONS: Options = { 'max-length': { type: 'string' }, threshold: { type: 'string', short: 't' }, json: { type: 'boolean' } };

test('parseCommandLine: a negative number after a string option is its value', (t) => {
  t.deepEqual(parseCommandLine(OPTIONS, ['--max-length', '-5', '--threshold', '-.5', 'pos']).values, { 'max-length': '-5', threshold: '-.5' });
  t.deepEqual(parseCommandLine(OPTIONS, ['--max-length', '-5', 'pos']).positionals, ['pos']);
  t.deepEqual(parseCommandLine(OPTIONS, ['-t', '-1.5']).values, { threshold: '-1.5' });
  t.deepEqual(parseCommandLine(OPTIONS, ['--', '--max-length', '-5']).positionals, ['--max-length', '-5']);
});

test('parseCommandLine: the parser\'s complaints become one line naming the option', (t) => {
  const cases: [string[], string][] = [
    [['--max-length', '--json'], '--max-length needs a value (one that starts with "-" is written --max-length=<value>)'],
    [['--max-length'], '--max-length needs a value'],
    [['--json=yes'], '--json takes no value'],
    [['--bogus'], 'unknown option --bogus'],
    [['-x'], 'unknown option -x'],
  ];
  for (const [argv, message] of cases) t.throws(() => parseCommandLine(OPTIONS, argv), { instanceOf: UsageError, message }, argv.join(' '));
  t.is(parseErrorLine('something new\nsecond line'), 'something new');
});

test('elma: integer options given negative or garbage values are one clear line, exit 2', async (t) => {
  const cases: [string[], string][] = [
    [['features', '--bundle', 'models/default', '--squad', 'x.json', '--out', 'y.json', '--max-length', '-5'], '--max-length must be an integer ≥ 4, got "-5"'],
    [['features', '--bundle', 'models/default', '--squad', 'x.json', '--out', 'y.json', '--max-length', 'lots'], '--max-length must be an integer ≥ 4, got "lots"'],
    [['features', '--bundle', 'models/default', '--squad', 'x.json', '--out', 'y.json', '--doc-stride', '-1'], '--doc-stride must be an integer ≥ 0, got "-1"'],
    [['ask', '--bundle', 'models/default', '--context', 'a', '--question', 'b', '--depth-limit', '-2'], '--depth-limit must be an integer ≥ 1, got "-2"'],
    [['ask', '--bundle', 'models/default', '--context', 'a', '--question', 'b', '--threshold', '--json'], '--threshold needs a value (one that starts with "-" is written --threshold=<value>)'],
    [['ask', '--bundle', 'models/default', '--context', 'a', '--question', 'b', '--jsn'], 'unknown option --jsn'],
  ];
  for (const [argv, message] of cases) {
    const r = await elma(argv);
    t.is(r.code, 2, argv.join(' '));
    const lines = r.stderr.split('\n');
    t.is(lines[0], `elma ${argv[0]}: ${message}`, argv.join(' '));
    t.regex(lines[1]!, /^Usage: elma /, 'then the usage line, and nothing of the parser\'s');
    t.notRegex(r.stderr, /ambiguous|Did you forget/);
  }
});
