// workerd's generated types take `number | null` only; the standard (and workerd itself) accept undefined too,
// and the shared check engine passes a possibly-undefined timer handle.
declare function clearTimeout(timeoutId: number | null | undefined): void;
