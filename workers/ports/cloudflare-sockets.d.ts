/**
 * The slice of workerd's `cloudflare:sockets` the Dial port uses, for the
 * repo's Node-typed `tsc` run, which reaches workers/ports through
 * bench/workerd-check-worker.ts (referenced there, not from the port itself, so
 * workers/tsconfig.json keeps wrangler's own declaration without a clash).
 */
declare module 'cloudflare:sockets' {
  export interface SocketAddress {
    hostname: string;
    port: number;
  }
  export interface SocketOptions {
    secureTransport?: 'off' | 'on' | 'starttls';
    allowHalfOpen?: boolean;
  }
  export interface SocketInfo {
    remoteAddress?: string;
    localAddress?: string;
  }
  export interface Socket {
    readonly readable: ReadableStream<Uint8Array>;
    readonly writable: WritableStream<Uint8Array>;
    readonly opened: Promise<SocketInfo>;
    readonly closed: Promise<void>;
    close(): Promise<void>;
    startTls(options?: { expectedServerHostname?: string }): Socket;
  }
  export function connect(address: SocketAddress | string, options?: SocketOptions): Socket;
}
