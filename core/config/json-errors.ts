import type { Diagnostic } from '../keepalived/diagnostics.ts';

interface Issue {
  path: PropertyKey[];
  message: string;
  code?: string;
  /** Set on zod's `unrecognized_keys` issue: the keys the object's schema does not know. */
  keys?: string[];
}

type Position = { line: number; col: number };

/**
 * Turns schema issues on a JSON document into file:line:col diagnostics, by
 * locating each issue's path in the text (the nearest existing ancestor when
 * the value itself is missing).
 */
export function jsonDiagnostics(file: string, text: string, issues: Issue[]): Diagnostic[] {
  const { values: where, keys } = locateJsonPaths(text);
  return issues.flatMap((i) => (i.code === 'unrecognized_keys' && i.keys ? unknownKeys(file, i.path, i.keys, keys, where) : [located(file, i, where)]));
}

/**
 * One error per unknown key, at the key itself: a typo'd key is an error, not
 * a key dropped silently (which turned `virtualServer` into an empty config).
 */
function unknownKeys(file: string, parent: PropertyKey[], names: string[], keys: Map<string, Position>, values: Map<string, Position>): Diagnostic[] {
  return names.map((name) => {
    const path = [...parent.map(String), name];
    const at = keys.get(path.join('\u0000')) ?? values.get(parent.map(String).join('\u0000')) ?? { line: 1, col: 1 };
    return { severity: 'error' as const, file, line: at.line, col: at.col, message: `${path.join('.')}: unknown key "${name}"` };
  });
}

function located(file: string, i: Issue, where: Map<string, Position>): Diagnostic {
  let path = i.path.map(String);
  let pos = where.get(path.join('\u0000'));
  while (!pos && path.length) {
    path = path.slice(0, -1);
    pos = where.get(path.join('\u0000'));
  }
  const at = pos ?? { line: 1, col: 1 };
  const name = i.path.length ? i.path.join('.') : '(document)';
  return { severity: 'error' as const, file, line: at.line, col: at.col, message: `${name}: ${i.message}` };
}

/**
 * Maps every value's path (keys joined by NUL) to where the value starts, and
 * every object member's path to where its key starts. Assumes valid JSON.
 */
export function locateJsonPaths(text: string): { values: Map<string, Position>; keys: Map<string, Position> } {
  const out = new Map<string, Position>();
  const keys = new Map<string, Position>();
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const ws = () => {
    for (;;) {
      const c = text[i];
      if (c === '\n') {
        line++;
        lineStart = ++i;
      } else if (c === ' ' || c === '\t' || c === '\r') i++;
      else return;
    }
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string[]): void => {
    ws();
    out.set(path.join('\u0000'), { line, col: i - lineStart + 1 });
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const keyAt = { line, col: i - lineStart + 1 };
        const key = str();
        keys.set([...path, key].join('\u0000'), keyAt);
        ws();
        i++; // :
        value([...path, key]);
        ws();
        if (text[i++] === '}') return;
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let k = 0; ; k++) {
        value([...path, String(k)]);
        ws();
        if (text[i++] === ']') return;
      }
    } else if (c === '"') str();
    else while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
  };
  try {
    value([]);
  } catch {
    // A malformed document has no positions beyond what was read.
  }
  return { values: out, keys };
}
