// One template for every finding's message: one sentence a reader takes in at a glance, the rest in `detail`
// (shown by the hover's "More", the rule page and the CLI's JSON). Hosts show `message` in the Problems panel.
//
//   `open()` blocks the event loop in `save()`; other tasks wait (asset.py:126)
//   <subject> <effect>[ <scope>][ <condition>][, <context>][: <cause>]; <consequence> (<location>)
//
// The slots other code fills: `condition` (a path condition: "when `x` is set"), `context` (why it matters here:
// "in route handler `GET /items` (api.py:40)"). A slot that would push the sentence over the limit is left out of
// the sentence and its text goes to the detail instead, so filling a slot never makes a message long.

/** Characters of a message before its locations, at most. */
export const MESSAGE_LIMIT = 120;

export interface MessageParts {
  /** What is flagged, as code: "`open()`". */
  subject: string;
  /** What it does to execution: "blocks the event loop". */
  effect: string;
  /** Where it happens: "in `save()`". */
  scope?: string;
  /** When it happens, for findings on one path only: "when `x` is set". */
  condition?: string;
  /** Why it matters here: "in route handler `GET /items` (api.py:40)". */
  context?: string;
  /** How it happens, for findings through other code: "it calls `subprocess.run()`". */
  cause?: string;
  /** What the user sees happen: "other tasks wait". */
  consequence?: string;
  /** Where the cause is, not counted in the length: "util.py:5", "line 12". */
  location?: string;
}

export interface ComposedMessage {
  message: string;
  /** Sentences the message had no room for, followed by `more`. */
  detail?: string;
}

/** A location in parentheses, "(util.py:5)", "(line 12)", "(api.py:40)": not counted in a message's length. */
const LOCATION = /\s*\((?:line \d+|[\w.\-/]+:\d+)\)/g;

/** How long a message reads, without its locations. */
export function messageLength(message: string): number {
  return message.replace(LOCATION, '').length;
}

const capitalised = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Code on one line: a member access continued on the next line (`crypto\n  .scryptSync`) reads as written in one. */
export function oneLine(code: string): string {
  return code.replace(/\s*\n\s*(?=\??\.)/g, '').replace(/\s+/g, ' ');
}

/** A code span cut to `max` characters (the cut marked), for names that would not fit. */
export function shortCode(code: string, max = 40): string {
  const flat = oneLine(code);
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/**
 * The message of a finding from its parts, within MESSAGE_LIMIT characters before the location: optional slots that do
 * not fit (consequence first, then scope, context, condition, cause) go to the detail as sentences. `more` is the
 * explanation and advice, appended to the detail.
 */
export function composeMessage(parts: MessageParts, more?: string): ComposedMessage {
  const order: (keyof MessageParts)[] = ['cause', 'condition', 'context', 'scope', 'consequence'];
  const kept = new Set<keyof MessageParts>(order.filter((k) => parts[k]));
  const render = (): string => {
    let s = `${parts.subject} ${parts.effect}`;
    if (kept.has('scope')) s += ` ${parts.scope}`;
    if (kept.has('condition')) s += ` ${parts.condition}`;
    if (kept.has('context')) s += `, ${parts.context}`;
    if (kept.has('cause')) s += `: ${parts.cause}`;
    if (kept.has('consequence')) s += `; ${parts.consequence}`;
    return parts.location ? `${s} (${parts.location})` : s;
  };
  const dropped: string[] = [];
  // Bounded: at most one pass per slot.
  for (const slot of [...order].reverse()) {
    if (messageLength(render()) <= MESSAGE_LIMIT) break;
    if (!kept.delete(slot)) continue;
    const text = parts[slot]!;
    dropped.unshift(slot === 'context' || slot === 'condition' || slot === 'scope' ? `This happens ${text}.` : `${capitalised(text)}.`);
  }
  const detail = [...dropped, more?.trim()].filter(Boolean).join(' ');
  return detail ? { message: render(), detail } : { message: render() };
}

/** `fn()` for a function's name, for the scope slot: "in `save()`"; empty for an anonymous function. */
export function inFunction(name: string | undefined): string | undefined {
  return name ? `in \`${shortCode(name, 30)}()\`` : undefined;
}
