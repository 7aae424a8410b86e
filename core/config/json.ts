import type { Diagnostic } from '../keepalived/diagnostics.ts';
import { jsonDiagnostics } from './json-errors.ts';
import { Config } from './model.ts';
import { VOTE_PLAN_KEY } from '../vote/vote-plan.ts';
import { boardTrackProblems } from '../vote/board-target.ts';
import type { KeywordUse } from '../keepalived/reader.ts';
import { jsonShimUnimplemented } from './json-unimplemented.ts';

export type JsonReadResult = { ok: true; config: Config; diagnostics: Diagnostic[]; shimUnimplemented?: KeywordUse[] } | { ok: false; diagnostics: Diagnostic[] };

/** Reads the Vigil JSON form; errors carry the JSON path and the line:col where it stands. */
export function parseVigilJson(file: string, text: string): JsonReadResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const at = m ? Number(m[1]) : 0;
    const before = text.slice(0, at).split('\n');
    return { ok: false, diagnostics: [{ severity: 'error', file, line: before.length, col: (before[before.length - 1]?.length ?? 0) + 1, message: `invalid JSON: ${(e as Error).message}` }] };
  }
  // `vigil import` adds the vote plan beside the model; it is derived, so reading drops it.
  if (doc && typeof doc === 'object' && !Array.isArray(doc) && VOTE_PLAN_KEY in doc) {
    const { [VOTE_PLAN_KEY]: _derived, ...model } = doc as Record<string, unknown>;
    doc = model;
  }
  const parsed = Config.safeParse(doc);
  if (!parsed.success) return { ok: false, diagnostics: jsonDiagnostics(file, text, parsed.error.issues) };
  // Names that refer to other parts of the model, checked as keepalived.conf's crossCheck does, at their JSON path.
  const refs = boardTrackProblems(parsed.data).map((p) => ({
    path: ['vigil', 'trackBoards', p.track, p.part, ...(p.item !== undefined ? [p.item, 'name'] : p.part === 'instances' ? [] : [])],
    message: p.message,
  }));
  if (refs.length) return { ok: false, diagnostics: jsonDiagnostics(file, text, refs) };
  return { ok: true, config: parsed.data, diagnostics: [], shimUnimplemented: jsonShimUnimplemented(file, text, parsed.data) };
}
