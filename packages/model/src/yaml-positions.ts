import { CORE_SCHEMA, loadAll } from 'js-yaml';
import type { SourceLocation } from './errors.js';

/**
 * Where each field of valid YAML starts, recorded while js-yaml reads it
 * (its listener reports every node as it opens and closes): a second read
 * with js-yaml is several times cheaper than a position-tracking parse, and
 * only files with a finding to locate pay for it.
 */

type Segment = string | number;

interface Frame {
  start: number;
  children: Frame[];
  result: unknown;
}

interface Spot {
  key?: number;
  value: number;
}

/** One document's field starts, by path. */
export type PositionIndex = Map<string, Spot>;

const pathKey = (path: readonly Segment[]) => path.map((s) => (typeof s === 'number' ? `#${s}` : `.${s}`)).join('');

/** A collection's children, without the empty node js-yaml opens at its end when it looks for one more entry (before `---`). */
function entries(frame: Frame): Frame[] {
  const { result, children } = frame;
  const expected = Array.isArray(result) ? result.length : children.length - (children.length % 2);
  return children.length > expected && children.slice(expected).every((c) => c.result === null) ? children.slice(0, expected) : children;
}

function index(frame: Frame, path: Segment[], into: PositionIndex, key?: number): void {
  into.set(pathKey(path), { value: frame.start, ...(key !== undefined ? { key } : {}) });
  const { result } = frame;
  const children = entries(frame);
  if (Array.isArray(result)) {
    // An alias reads a whole node again without its children: nothing deeper to index.
    if (children.length !== result.length) return;
    children.forEach((c, i) => {
      index(c, [...path, i], into);
    });
    return;
  }
  if (result === null || typeof result !== 'object' || children.length % 2 !== 0) return;
  for (let i = 0; i < children.length; i += 2) {
    const k = children[i] as Frame;
    index(children[i + 1] as Frame, [...path, String(k.result)], into, k.start);
  }
}

/** Each document's position index, in stream order; undefined when the text does not read as YAML. */
export function positionIndexes(text: string): PositionIndex[] | undefined {
  const roots: Frame[] = [];
  const stack: Frame[] = [];
  try {
    loadAll(text, undefined, {
      schema: CORE_SCHEMA,
      listener(event, state) {
        if (event === 'open') {
          stack.push({ start: state.position, children: [], result: undefined });
          return;
        }
        const frame = stack.pop();
        if (!frame) return;
        frame.result = state.result;
        const parent = stack[stack.length - 1];
        if (parent) parent.children.push(frame);
        else roots.push(frame);
      },
    });
  } catch {
    return undefined;
  }
  return roots.map((root) => {
    const into: PositionIndex = new Map();
    index(root, [], into);
    return into;
  });
}

/** The offset of the first character of a node: js-yaml opens a node before the spaces, line breaks and comments in front of it. */
function firstCharacter(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
    else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
    else return i;
  }
}

/** Line starts of a text, for offset → line and column. */
export function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

function lineColumn(starts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (starts[lo] as number) + 1 };
}

/** Where a path is: its value (or key), else the deepest part of it the document spells out. */
export function locateIn(
  text: string,
  starts: readonly number[],
  positions: PositionIndex,
  path: readonly Segment[],
  at: 'key' | 'value',
): Omit<SourceLocation, 'file' | 'path'> | undefined {
  for (let n = path.length; n >= 0; n--) {
    const spot = positions.get(pathKey(path.slice(0, n)));
    if (!spot) continue;
    const offset = n === path.length && at === 'key' && spot.key !== undefined ? spot.key : firstCharacter(text, spot.value);
    return lineColumn(starts, offset);
  }
  return undefined;
}

export const spells = (positions: PositionIndex, path: readonly Segment[]) => positions.has(pathKey(path));
