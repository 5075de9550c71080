// What an analysis kept, moved through one edit: positions after the edited text move with it (lines added or removed
// move whole lines; the rest of the edit's last line moves by columns), those before it stay, and anything inside the
// edited text cannot be moved (the caller then analyses again instead). Texts that name lines ("(line 40)",
// "at api.ts:40") are rewritten only where every such name is certainly a line of this file outside the edit; anything
// less certain refuses, so what is moved is what an analysis of the new text would say.
import type { Diagnostic, Position, Range } from './types';
import type { FileUnits, Unit } from './context/graph';
import type { LineIndex } from './text';

/** Refused: something kept cannot be moved through the edit for certain. */
export class NotMovable extends Error {}

export interface EditMap {
  /** A position of the old text in the new one. Throws NotMovable inside (or at the edges of) the edited text. */
  position(at: Position): Position;
  range(range: Range): Range;
  /** A 0-based line of the old text in the new one; throws NotMovable for a line the edit touches. */
  line(line: number): number;
  /**
   * A text naming lines of this file, with every name moved (throws NotMovable when a name is uncertain). `ownFile`: the
   * text names no other file (evidence found in this file), so its `name.ts:40` is this file's even when another file of
   * the project has the same base name.
   */
  text(text: string, ownFile?: boolean): string;
  /** Whether anything after the edit moves at all. */
  readonly moves: boolean;
  /** Whether lines move (else only the rest of the edit's last line moves, by columns). */
  readonly linesMove: boolean;
  /** Whether a range of the old text may be moved (or refused): false for one that stays as it is. */
  affects(range: Range): boolean;
  /** The lines a range moves by when it lies wholly on lines after the edit (each position moves by them alone), else undefined. */
  wholeLines(range: Range): number | undefined;
  /** The first line (0-based, of the old text) the edit touches: what lies wholly on earlier lines stays. */
  readonly firstLine: number;
}

const before = (a: Position, b: Position): boolean => a.line < b.line || (a.line === b.line && a.column < b.column);

/** Names of lines in our texts: "line 40" (the analysed file), "api.ts:40" (by base name); "lines" is refused. */
function lineNames(baseName: string): RegExp {
  const escaped = baseName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w./-])(line |${escaped}:)(\\d+)`, 'g');
}

/**
 * The map of one edit: the old text's `[start, oldEnd)` became the new text's `[start, newEnd)`. `baseName`: the file's
 * base name as texts name it; `sameBaseName`: another file of the project has it too (such names are then uncertain).
 */
export function editMap(oldLines: LineIndex, newLines: LineIndex, start: number, oldEnd: number, newEnd: number, baseName: string, sameBaseName: boolean): EditMap {
  const from = oldLines.positionAt(start);
  const oldTo = oldLines.positionAt(oldEnd);
  const newTo = newLines.positionAt(newEnd);
  const lineShift = newTo.line - oldTo.line;
  const names = lineNames(baseName);
  // A position where text was only inserted may be before or after it; one at either end of replaced or deleted text
  // is not (the start stays, the end follows the new text).
  const inserted = start === oldEnd;
  const position = (at: Position): Position => {
    if (before(at, from)) return at;
    if (!inserted && !before(at, oldTo) && !before(oldTo, at)) return newTo;
    if (!inserted && !before(from, at)) return at;
    if (!before(oldTo, at)) throw new NotMovable('inside the edit');
    return at.line === oldTo.line ? { line: newTo.line, column: newTo.column + (at.column - oldTo.column) } : { line: at.line + lineShift, column: at.column };
  };
  const line = (old: number): number => {
    if (old < from.line) return old;
    if (old > oldTo.line) return old + lineShift;
    throw new NotMovable('a line the edit touches');
  };
  const text = (value: string, ownFile = false): string => {
    if (/\blines \d/.test(value)) throw new NotMovable('a span of lines');
    let quoted = false;
    let at = 0;
    let out = '';
    // One pass over the names in order, keeping track of code spans (between backticks), where a name is code, not ours.
    for (const match of value.matchAll(names)) {
      const index = match.index + match[1].length;
      for (let i = at; i < index; i++) if (value[i] === '`') quoted = !quoted;
      if (quoted) throw new NotMovable('a line name inside code');
      if (match[2] !== 'line ' && sameBaseName && !ownFile) throw new NotMovable('another file has this base name');
      const moved = line(Number(match[3]) - 1) + 1;
      out += value.slice(at, index) + match[2] + String(moved);
      at = index + match[2].length + match[3].length;
    }
    return at === 0 ? value : out + value.slice(at);
  };
  const stays = (at: Position) => before(at, from) || (lineShift === 0 && at.line > oldTo.line);
  return {
    position, line, text,
    range: (range) => ({ start: position(range.start), end: position(range.end) }),
    moves: oldEnd !== newEnd || lineShift !== 0,
    linesMove: lineShift !== 0,
    // A range whose both ends stay (before the edit, or on a later line when no line comes or goes) stays.
    affects: (range) => !(stays(range.start) && stays(range.end)),
    wholeLines: (range) => (range.start.line > oldTo.line ? lineShift : undefined),
    firstLine: from.line,
  };
}

/** A finding of a function the edit left alone, moved: its places, its related places in this file, its fixes, its texts. */
export function moveDiagnostic(diagnostic: Diagnostic, map: EditMap, path: string | undefined, baseName: string): Diagnostic {
  // Without lines moving, no line named moves either: a finding whose places all stay, stays.
  if (!map.linesMove && !map.affects(diagnostic.range) && !diagnostic.related.some((r) => (r.path === undefined || r.path === path) && map.affects(r.range))
    && !diagnostic.fixes.some((f) => f.edits.some((e) => map.affects(e.range)))) return diagnostic;
  // A related place in another file with this base name makes "name.py:40" in the texts uncertain.
  if (diagnostic.related.some((r) => r.path !== undefined && r.path !== path && baseOf(r.path) === baseName)) throw new NotMovable('another file has this base name');
  const moved: Diagnostic = {
    ...diagnostic,
    message: map.text(diagnostic.message),
    range: map.range(diagnostic.range),
    related: diagnostic.related.map((r) => ({ ...r, message: map.text(r.message), range: r.path === undefined || r.path === path ? map.range(r.range) : r.range })),
    fixes: diagnostic.fixes.map((fix) => ({
      ...fix,
      title: unchangedText(fix.title, map),
      edits: fix.edits.map((edit) => ({ range: map.range(edit.range), newText: unchangedText(edit.newText, map) })),
    })),
  };
  if (diagnostic.detail !== undefined) moved.detail = map.text(diagnostic.detail);
  return moved;
}

/** A text that must not name a line (a fix's title or code): kept as it is, or refused. */
function unchangedText(text: string, map: EditMap): string {
  if (map.text(text) !== text) throw new NotMovable('a line named in a fix');
  return text;
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `@row:col` (a function without a name), alone or after `path#`: its row and column moved. */
export function movedId(id: string, map: EditMap, path: string): string {
  const hash = id.lastIndexOf('#');
  const file = hash < 0 ? undefined : id.slice(0, hash);
  const own = hash < 0 ? id : id.slice(hash + 1);
  const at = /^@(\d+):(\d+)$/.exec(own);
  if (!at || (file !== undefined && file !== path)) return id;
  const moved = map.position({ line: Number(at[1]), column: Number(at[2]) });
  return `${file !== undefined ? `${file}#` : ''}@${moved.line}:${moved.column}`;
}

/** Whether any place of a unit may move (without lines moving: its ranges and where a function without a key starts). */
function unitAffected(u: Unit, map: EditMap): boolean {
  const at = (id: string | undefined) => {
    const found = id === undefined ? null : /@(\d+):(\d+)$/.exec(id);
    if (!found) return false;
    const position = { line: Number(found[1]), column: Number(found[2]) };
    return map.affects({ start: position, end: position });
  };
  return (u.own !== undefined && map.affects(u.own.range)) || at(u.id) || at(u.parent)
    || u.calls.some((c) => map.affects(c.range) || at(c.to) || (c.leftRunning !== undefined && map.affects(c.leftRunning)))
    || (u.members ?? []).some((m) => map.affects(m.range)) || (u.firstAwait !== undefined && map.affects(u.firstAwait))
    || (u.returns ?? []).some(at) || (u.method !== undefined && map.affects(u.method)) || (u.overrides ?? []).some(at);
}

/** Per unit, the last line it may name (see lastLineOf); units are not changed once made. */
const lastLines = new WeakMap<Unit, number>();

/**
 * The last line (0-based) a unit may name: its ranges' lines, and every number in its ids (`@row:col`, 0-based) and texts
 * (line names, 1-based) read as a line; a number that is no line only makes this later. A unit whose last line is
 * before an edit's first line stays as it is.
 */
function lastLineOf(u: Unit): number {
  const last = lastLines.get(u);
  if (last !== undefined) return last;
  let found = -1;
  const range = (r: Range | undefined) => {
    if (r && r.end.line > found) found = r.end.line;
  };
  const numbers = (value: string | undefined, base: 0 | 1) => {
    if (value) for (const match of value.matchAll(/\d+/g)) found = Math.max(found, Number(match[0]) - base);
  };
  numbers(u.id, 0);
  numbers(u.parent, 0);
  numbers(u.name, 1);
  if (u.own) {
    range(u.own.range);
    numbers(u.own.message, 1);
  }
  for (const call of u.calls) {
    range(call.range);
    range(call.leftRunning);
    numbers(call.to, 0);
  }
  for (const member of u.members ?? []) range(member.range);
  range(u.firstAwait);
  range(u.method);
  for (const id of u.returns ?? []) numbers(id, 0);
  for (const id of u.overrides ?? []) numbers(id, 0);
  lastLines.set(u, found);
  return found;
}

/** The fields of a Unit this file moves (or that hold no place: `exposed` is a property's name). */
const UNIT_FIELDS = new Set(['id', 'name', 'own', 'parent', 'startsWork', 'calls', 'members', 'async', 'firstAwait', 'returns', 'signal', 'exposed', 'method', 'overrides']);

/** Units whose fields are all known to moveUnits. */
const knownFields = new WeakSet<Unit>();

/**
 * A file's units (the call graph's part of it) moved through the edit. Units with an id in `edited` (an edited function's,
 * which an analysis compares and may replace) and registrations for which `inEdited` holds that cannot be moved are
 * kept as they are and named in `unmovable` (their ids; '' for a registration) instead of refusing the whole.
 */
export function moveUnits(units: FileUnits, map: EditMap, path: string, edited?: ReadonlySet<string>, inEdited?: (range: Range) => boolean, unmovable?: Set<string>): FileUnits {
  const tolerant = <T>(item: T, move: (item: T) => T, tolerate: boolean, id: string): T => {
    if (!tolerate) return move(item);
    try {
      return move(item);
    } catch (error) {
      if (!(error instanceof NotMovable)) throw error;
      unmovable?.add(id);
      return item;
    }
  };
  const id = (value: string) => movedId(value, map, path);
  // A unit's and a registration's own evidence was found in this file, and names its places only.
  const evidence = <E extends { message: string; range: Range }>(e: E): E => ({ ...e, message: map.text(e.message, true), range: map.range(e.range) });
  const unit = (u: Unit): Unit => {
    // A field this code does not know may hold a place it does not move: refused rather than kept unmoved. Units are
    // not changed once made, so each is checked once (an edit's units are mostly the last edit's).
    if (!knownFields.has(u)) {
      for (const key of Object.keys(u)) if (!UNIT_FIELDS.has(key)) throw new NotMovable(`unit field ${key}`);
      knownFields.add(u);
    }
    if (!map.linesMove && !unitAffected(u, map)) return u;
    // Lines move: a unit wholly before the edit, naming no later line, stays as it is.
    if (lastLineOf(u) < map.firstLine) return u;
    const moved: Unit = { ...u, id: id(u.id), calls: u.calls.map((c) => ({ ...c, ...(c.to !== undefined ? { to: id(c.to) } : {}), range: map.range(c.range), ...(c.leftRunning ? { leftRunning: map.range(c.leftRunning) } : {}) })) };
    // A function without a key is named by where it starts.
    const named = /^the function at line (\d+)$/.exec(u.name);
    if (u.id.startsWith('@') && named) moved.name = `the function at line ${map.line(Number(named[1]) - 1) + 1}`;
    else moved.name = map.text(u.name);
    if (u.own) moved.own = evidence(u.own);
    if (u.parent !== undefined) moved.parent = id(u.parent);
    if (u.members) moved.members = u.members.map((m) => ({ ...m, range: map.range(m.range) }));
    if (u.firstAwait) moved.firstAwait = map.range(u.firstAwait);
    if (u.returns) moved.returns = u.returns.map(id);
    if (u.method) moved.method = map.range(u.method);
    if (u.overrides) moved.overrides = u.overrides.map(id);
    return moved;
  };
  // The same arrays when nothing in them moved: the call graph built from them is then kept as it is.
  const same = <T>(list: T[], moved: T[]) => (moved.every((item, i) => item === list[i]) ? list : moved);
  return {
    ...units,
    units: same(units.units, units.units.map((u) => tolerant(u, unit, edited?.has(u.id) ?? false, u.id))),
    registrations: same(units.registrations, units.registrations.map((r) => (!map.linesMove && !map.affects(r.own.range) && !(r.to !== undefined && /@\d+:\d+$/.test(r.to)) ? r
      : tolerant(r, (x) => ({ ...x, ...(x.to !== undefined ? { to: id(x.to) } : {}), own: evidence(x.own) }), inEdited?.(r.own.range) ?? false, '')))),
  };
}
