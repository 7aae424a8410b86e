// The keepalived.conf reader's public surface; the logic lives in the files named below.
export { formatDiagnostic, formatDiagnostics, type Diagnostic, type Origins, type Pos } from './diagnostics.ts';
export type { ConfigHost } from './preprocess.ts';
export { splitScriptCommand } from './lexer.ts';
export { readKeepalivedConfig, type ReadOptions, type ReadResult } from './read-config.ts';
export { singleFileHost } from './single-file-host.ts';
export { SHIM_UNIMPLEMENTED, type KeywordUse } from './reader.ts';
