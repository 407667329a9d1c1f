/**
 * node:path on elma-qjs: Node's POSIX rules (lib/path.js, path.posix) for normalize, join,
 * resolve, relative, dirname, basename, extname, isAbsolute. The device program joins and
 * resolves the paths of its config, slots, outbox and bundles with these.
 */
import * as host from 'elma:host';

export const sep = '/';
export const delimiter = ':';

/** Resolve "." and ".." segments of a path with no leading slash (Node's normalizeString). */
function normalizeSegments(p: string, allowAboveRoot: boolean): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (allowAboveRoot) out.push('..');
      continue;
    }
    out.push(seg);
  }
  return out.join('/');
}

export function isAbsolute(p: string): boolean {
  return p.startsWith('/');
}

export function normalize(p: string): string {
  if (p === '') return '.';
  const abs = isAbsolute(p);
  const trailing = p.endsWith('/');
  let s = normalizeSegments(p, !abs);
  if (s === '' && !abs) s = '.';
  if (s !== '' && trailing) s += '/';
  return abs ? `/${s}` : s;
}

export function join(...parts: string[]): string {
  for (const p of parts) if (typeof p !== 'string') throw new TypeError(`The "path" argument must be of type string. Received ${typeof p}`);
  const joined = parts.filter((p) => p !== '').join('/');
  return joined === '' ? '.' : normalize(joined);
}

export function resolve(...parts: string[]): string {
  let resolved = '';
  let abs = false;
  for (let i = parts.length - 1; i >= -1 && !abs; i--) {
    const p = i >= 0 ? parts[i]! : host.cwd();
    if (typeof p !== 'string') throw new TypeError(`The "path" argument must be of type string. Received ${typeof p}`);
    if (p === '') continue;
    resolved = `${p}/${resolved}`;
    abs = isAbsolute(p);
  }
  const s = normalizeSegments(resolved, !abs);
  return abs ? `/${s}` : s === '' ? '.' : s;
}

export function relative(from: string, to: string): string {
  const a = resolve(from).split('/').filter((x) => x !== '');
  const b = resolve(to).split('/').filter((x) => x !== '');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...new Array<string>(a.length - i).fill('..'), ...b.slice(i)].join('/');
}

export function dirname(p: string): string {
  if (p === '') return '.';
  let end = p.length;
  while (end > 1 && p[end - 1] === '/') end--; // trailing slashes do not count
  const slash = p.lastIndexOf('/', end - 1);
  if (slash < 0) return '.';
  if (slash === 0) return '/';
  let d = slash;
  while (d > 1 && p[d - 1] === '/') d--;
  return p.slice(0, d);
}

export function basename(p: string, ext?: string): string {
  let end = p.length;
  while (end > 0 && p[end - 1] === '/') end--;
  const base = p.slice(p.lastIndexOf('/', end - 1) + 1, end);
  return ext !== undefined && ext !== base && base.endsWith(ext) ? base.slice(0, base.length - ext.length) : base;
}

export function extname(p: string): string {
  const base = basename(p);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot);
}

const path = { sep, delimiter, isAbsolute, normalize, join, resolve, relative, dirname, basename, extname };
export const posix = path;
export default path;
