/**
 * Finds every way a TypeScript source reaches a runtime (Node or workerd)
 * instead of a port: imports of `node:*`, `cloudflare:*` or a bare builtin
 * (static, type-only, side-effect, re-export, `import()`, `import x =
 * require()`), `require(…)`, `process` and `Buffer` used as values or types,
 * `globalThis.process`, the `NodeJS` namespace, a package not known to run in
 * both runtimes, and relative imports into the runtime folders. Read with the
 * TypeScript parser, so comments and strings never count.
 */
import { builtinModules } from 'node:module';
import ts from 'typescript';

/** Packages that run unchanged in Node and workerd (no builtins, no native code; re2js is loaded in workerd by the HTTP_GET tests of workers/ports). */
export const PORTABLE_PACKAGES = ['zod', '@noble/hashes', 're2js'];

const RUNTIME_FOLDERS = /(^|\/)(shim|workers|devstack|infra|test|bench|native)\//;
const GLOBALS = new Set(['process', 'Buffer', 'NodeJS', 'require', '__dirname', '__filename']);
const builtins = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]!]));

export interface RuntimeReference {
  line: number;
  what: string;
}

/** Why importing `spec` ties the code to a runtime, or null when it does not. */
function moduleProblem(spec: string): string | null {
  if (/^(node|cloudflare|bun|deno):/.test(spec)) return `imports the runtime module '${spec}'`;
  if (spec.startsWith('.')) return RUNTIME_FOLDERS.test(spec) ? `imports '${spec}' from a runtime folder` : null;
  const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
  if (builtins.has(pkg)) return `imports the Node builtin '${spec}'`;
  return PORTABLE_PACKAGES.includes(pkg) ? null : `imports the package '${spec}', not known to run in both runtimes`;
}

/** True where an identifier is a name being declared or a member name, not a reference to a global. */
function isMemberOrDeclarationName(id: ts.Identifier): boolean {
  const p = id.parent;
  if ((ts.isPropertyAccessExpression(p) || ts.isQualifiedName(p)) && (ts.isPropertyAccessExpression(p) ? p.name : p.right) === id) return true;
  if ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isPropertySignature(p) || ts.isMethodDeclaration(p) || ts.isMethodSignature(p) || ts.isGetAccessor(p) || ts.isSetAccessor(p) || ts.isEnumMember(p)) && p.name === id) return true;
  if ((ts.isBindingElement(p) && p.propertyName === id) || ts.isImportSpecifier(p) || ts.isExportSpecifier(p)) return true;
  return false;
}

export function runtimeReferences(fileName: string, text: string): RuntimeReference[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: RuntimeReference[] = [];
  const at = (n: ts.Node, what: string) => out.push({ line: sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1, what });
  const spec = (n: ts.Node, s: ts.Expression | undefined) => {
    if (s && ts.isStringLiteralLike(s)) {
      const problem = moduleProblem(s.text);
      if (problem) at(n, problem);
    }
  };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) spec(n, n.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) {
      at(n, 'uses require (import = require)');
      spec(n, n.moduleReference.expression);
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) spec(n, n.argument.literal);
    else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = n.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) spec(n, arg);
      else at(n, 'imports a computed module with import()');
    } else if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'globalThis' && GLOBALS.has(n.name.text)) {
      at(n, `uses globalThis.${n.name.text}`);
    } else if (ts.isElementAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'globalThis' && ts.isStringLiteralLike(n.argumentExpression) && GLOBALS.has(n.argumentExpression.text)) {
      at(n, `uses globalThis['${n.argumentExpression.text}']`);
    } else if (ts.isIdentifier(n) && GLOBALS.has(n.text) && !isMemberOrDeclarationName(n)) {
      at(n, n.text === 'require' ? 'uses require' : `uses the Node global ${n.text}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}
