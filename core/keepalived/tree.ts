import type { Diagnostics, Pos } from './diagnostics.ts';
import { tokenize, type SrcLine, type Token } from './lexer.ts';

/** One keyword line with its words, and the block that follows it when there is one. */
export interface Statement {
  keyword: Token;
  args: Token[];
  block?: Statement[];
  /** Where the block's `{` stood, for messages about the block as a whole. */
  blockPos?: Pos;
}

/**
 * Builds the block tree. Braces are words of their own; a `{` alone on a line
 * opens the block of the statement above it. An unbalanced brace is an error
 * at its own position (or at the unclosed `{`).
 */
export function buildTree(lines: SrcLine[], diags: Diagnostics): Statement[] {
  const root: Statement[] = [];
  const stack: { list: Statement[]; open: Pos }[] = [];
  let list = root;
  const onQuote = (pos: Pos) => diags.error(pos, 'unterminated quoted string');
  for (const line of lines) {
    const tokens = tokenize(line, onQuote);
    let cur: Statement | undefined;
    for (const tok of tokens) {
      if (!tok.quoted && tok.text === '{') {
        const owner = cur ?? list[list.length - 1];
        if (!owner || owner.block) {
          diags.error(tok.pos, "'{' without a keyword before it");
          // Still track it, so the matching '}' does not close an outer block.
          stack.push({ list, open: tok.pos });
          list = [];
          cur = undefined;
          continue;
        }
        owner.block = [];
        owner.blockPos = tok.pos;
        stack.push({ list, open: tok.pos });
        list = owner.block;
        cur = undefined;
        continue;
      }
      if (!tok.quoted && tok.text === '}') {
        const top = stack.pop();
        if (!top) diags.error(tok.pos, "unbalanced '}': no block is open here");
        else list = top.list;
        cur = undefined;
        continue;
      }
      if (!cur) {
        cur = { keyword: tok, args: [] };
        list.push(cur);
      } else cur.args.push(tok);
    }
  }
  for (const open of stack) diags.error(open.open, "unbalanced '{': this block is never closed");
  return root;
}
