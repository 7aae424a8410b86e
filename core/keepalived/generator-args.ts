/** Reading the arguments of `~SEQ(var, start, step, end)`, `~SEQx(...)` and `~LST(var|{a,b}, v1|{1,2}, ...)`. */

export function matchParen(s: string, open: number): number {
  if (open < 0) return -1;
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Splits on commas outside `{...}`. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}') depth--;
    else if (s[i] === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(s.slice(start).trim());
  return out.filter((a, i) => a !== '' || i > 0);
}

export function unbrace(s: string): string[] {
  const t = s.trim();
  if (t.startsWith('{') && t.endsWith('}')) return t.slice(1, -1).split(',').map((x) => x.trim());
  return t === '' ? [] : [t];
}

/** `~SEQ` arguments as a range, counted rather than listed: the budget decides how many values are too many. */
export function seqRange(args: string[]): { start: number; step: number; count: number } | string {
  if (args.length < 2 || args.length > 4) return 'expected (var, end), (var, start, end) or (var, start, step, end)';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(args[0]!.trim())) return `bad variable name '${args[0]}'`;
  const nums = args.slice(1).map((a) => (/^-?(0x[0-9a-fA-F]+|\d+)$/.test(a) ? Number.parseInt(a, a.includes('x') ? 16 : 10) : NaN));
  if (nums.some((n) => !Number.isSafeInteger(n))) return 'start, step and end must be integers (decimal or 0x hex)';
  let start: number;
  let step: number;
  let end: number;
  if (nums.length === 1) {
    end = nums[0]!;
    start = end >= 0 ? 1 : -1;
    step = end >= start ? 1 : -1;
  } else if (nums.length === 2) {
    [start, end] = nums as [number, number];
    step = end >= start ? 1 : -1;
  } else [start, step, end] = nums as [number, number, number];
  if (step === 0) return 'step must not be 0';
  const count = (step > 0 ? end >= start : end <= start) ? Math.floor((end - start) / step) + 1 : 0;
  return { start, step, count };
}
