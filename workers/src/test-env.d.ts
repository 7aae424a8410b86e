// Values the control-plane test project provides (vitest.config.ts, test/control-plane/workerd-global-setup.ts).
declare module 'vitest' {
  export interface ProvidedContext {
    /** devstack/local-secrets.ts LocalTokens: the admin token and each test cluster's scoped tokens. */
    tokens: { admin: string; clusters: Record<string, { shim: string; probers: Record<string, string>; directors: Record<string, string>; viewer: string; dashboardCode: string }> };
    upPort: number;
    downPort: number;
    silentPort: number;
  }
}
export {};
