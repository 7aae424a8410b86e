import type { Diagnostics, Pos } from './diagnostics.ts';
import { tokenize, type SrcLine, type Token } from './lexer.ts';

/** One keyword line with its words, and the block that follows it when there is one. */
export interface Statement {
  keyword: Token;
  args: Token[];
  block?: Statement[];
  /** Where the block's `{` stood, for messages about the block as a whole. */
  blockPos?: Pos;
  /** Where its `}` stood: keepalived reports what a block lacks there. */
  blockEnd?: Pos;
}

/**
 * Builds the block tree line by line. Braces are words of their own; a `{`
 * alone on a line opens the block of the statement above it. An unbalanced
 * brace is an error at its own position (or at the unclosed `{`).
 */
export class TreeBuilder {
  readonly root: Statement[] = [];
  private list: Statement[] = this.root;
  private readonly stack: { list: Statement[]; open: Pos; owner?: Statement }[] = [];
  private readonly onQuote: (pos: Pos) => void;

  /**
   * With `onTop`, each top-level statement is handed over as soon as it is
   * complete (the next one begins, or the input ends) and not kept: a large
   * file's tokens then die young instead of all surviving to the end, which is
   * what made reading one mostly garbage collection.
   */
  constructor(
    private readonly diags: Diagnostics,
    private readonly onTop?: (s: Statement) => void,
  ) {
    this.onQuote = (pos) => diags.error(pos, 'unterminated quoted string');
  }

  line(line: SrcLine): void {
    const tokens = tokenize(line, this.onQuote);
    let cur: Statement | undefined;
    for (const tok of tokens) {
      if (!tok.quoted && tok.text === '{') {
        const owner = cur ?? this.list[this.list.length - 1];
        const entry: { list: Statement[]; open: Pos; owner?: Statement } = { list: this.list, open: tok.pos };
        this.stack.push(entry);
        if (!owner || owner.block) {
          this.diags.error(tok.pos, "'{' without a keyword before it");
          // Still track it, so the matching '}' does not close an outer block.
          this.list = [];
        } else {
          owner.block = [];
          owner.blockPos = tok.pos;
          entry.owner = owner;
          this.list = owner.block;
        }
        cur = undefined;
        continue;
      }
      if (!tok.quoted && tok.text === '}') {
        const top = this.stack.pop();
        if (!top) this.diags.error(tok.pos, "unbalanced '}': no block is open here");
        else {
          this.list = top.list;
          if (top.owner) top.owner.blockEnd = tok.pos;
        }
        cur = undefined;
        continue;
      }
      if (!cur) {
        cur = { keyword: tok, args: [] };
        // A top-level statement is complete once the next one begins: a later `{` can only open the newest one's block.
        if (this.onTop && this.list === this.root && this.root.length > 0) this.onTop(this.root.pop()!);
        this.list.push(cur);
      } else cur.args.push(tok);
    }
  }

  finish(): Statement[] {
    for (const open of this.stack) this.diags.error(open.open, "unbalanced '{': this block is never closed");
    if (this.onTop && this.root.length > 0) this.onTop(this.root.pop()!);
    return this.root;
  }
}

export function buildTree(lines: Iterable<SrcLine>, diags: Diagnostics): Statement[] {
  const b = new TreeBuilder(diags);
  for (const l of lines) b.line(l);
  return b.finish();
}
