// Values the control-plane test project provides (vitest.config.ts, test/control-plane/workerd-global-setup.ts).
declare module 'vitest' {
  export interface ProvidedContext {
    tokens: { admin: string; shim: string; probers: Record<string, string> };
    upPort: number;
    downPort: number;
    silentPort: number;
  }
}
export {};
