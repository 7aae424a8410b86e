import type { Command } from 'commander';
import * as z from 'zod';
import { isIP } from '../../core/config/ip.ts';
import { fetchUrl } from '../../core/check/http-get.ts';
import { hostHeader, type HttpProtocol } from '../../core/check/http-request.ts';
import { DEFAULT_LIMITS } from '../../core/check/http-response.ts';
import { nodeTcpPorts } from '../ports/node-ports.ts';

/**
 * `vigil genhash`: keepalived's genhash, same flags, same digest line. Two
 * deliberate differences, both in --help: a failed connection is an error with
 * a non-zero exit (keepalived prints "Connection failed" and exits 0), and
 * there is a default timeout (keepalived waits forever without -t).
 */
const GenhashArgs = z.object({
  server: z.string().refine((s) => isIP(s) !== 0, { message: 'server should be an IP address' }),
  port: z.coerce.number().int().min(1).max(65535),
  url: z.string().min(1),
  useSsl: z.boolean().default(false),
  useSni: z.boolean().default(false),
  useVirtualhost: z.string().optional(),
  protocol: z.enum(['1.0', '1.0c', '1.0C', '1.1']).default('1.0'),
  timeout: z.coerce.number().int().min(1).max(86_400).default(5),
  verbose: z.boolean().default(false),
  fwmark: z.string().optional(),
  maxBytes: z.coerce.number().int().min(1).default(1024 ** 3),
});

export function registerGenhashCommand(program: Command, setExit: (code: number) => void): void {
  // genhash's -V (virtualhost) must reach the subcommand, not the root's -V (--version):
  // root options are then read only before the subcommand name, as git and npm do.
  program.enablePositionalOptions();
  program
    .command('genhash')
    .description("print the MD5 digest keepalived's genhash prints for a page (for HTTP_GET/SSL_GET digest)")
    .requiredOption('-s, --server <address>', 'remote server IP address')
    .requiredOption('-p, --port <port>', 'remote server port')
    .requiredOption('-u, --url <path>', 'url path to GET')
    .option('-S, --use-ssl', 'use TLS')
    .option('-I, --use-sni', 'send SNI during the TLS handshake (the -V virtualhost)')
    .option('-V, --use-virtualhost <host>', 'Host header to send (default <server>:<port>)')
    .option('-P, --protocol <version>', "HTTP protocol: '1.0', '1.0c' (1.0 with Connection: close), '1.1'", '1.0')
    .option('-t, --timeout <seconds>', 'connect and read timeout in seconds (keepalived: none; here default 5)', '5')
    .option('-v, --verbose', 'print the header block and timing')
    .option('-m, --fwmark <mark>', 'firewall mark (not supported: Vigil sets no SO_MARK)')
    .option('--max-bytes <n>', 'stop with an error past this many body bytes (default 1 GiB)')
    .addHelpText(
      'after',
      '\nDifferences from keepalived genhash: when the connection fails or no data comes back, this prints\n' +
        'an error and exits 1 (keepalived prints "Connection failed" and exits 0); the default timeout is 5 s.\n',
    )
    .action(async (raw: Record<string, unknown>) => {
      const parsed = GenhashArgs.safeParse(raw);
      if (!parsed.success) {
        process.stderr.write(`genhash: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}\n`);
        return setExit(64);
      }
      const a = parsed.data;
      if (a.fwmark !== undefined) {
        process.stderr.write('genhash: --fwmark is not supported by vigil genhash\n');
        return setExit(64);
      }
      const protocol: HttpProtocol = a.protocol === '1.0c' ? '1.0C' : (a.protocol as HttpProtocol);
      const started = performance.now();
      const got = await fetchUrl(nodeTcpPorts, {
        host: a.server,
        port: a.port,
        path: a.url,
        protocol,
        hostHeader: hostHeader(a.server, a.port, a.useVirtualhost),
        tls: a.useSsl ? { servername: a.useSni ? a.useVirtualhost : undefined, verify: false } : undefined,
        digest: 'md5',
        keepForRegex: false,
        timeoutMs: a.timeout * 1000,
        signal: new AbortController().signal,
        limits: { ...DEFAULT_LIMITS, maxBodyBytes: a.maxBytes },
      });
      if (!got.ok) {
        process.stderr.write(`genhash: ${got.reason}: ${got.message} (${a.server}:${a.port}${a.url})\n`);
        return setExit(1);
      }
      if (a.verbose) {
        const bar = (t: string) => `-----------------------[${t}]-----------------------\n`;
        process.stdout.write(bar(' HTTP Header Ascii Buffer ') + got.value.headerText + '\n');
        process.stdout.write(`body bytes hashed: ${got.value.bodyBytes}\n`);
        process.stdout.write(bar(' HTML hash final resulting '));
      }
      process.stdout.write(`${got.value.digest}\n`);
      if (a.verbose) {
        const usecs = Math.round((performance.now() - started) * 1000);
        process.stdout.write(`\nGlobal response time for [${a.url}] = ${usecs} usecs\n`);
      }
      setExit(0);
    });
}
