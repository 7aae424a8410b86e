/**
 * A plain keepalived.conf the size the README's cost table quotes: `realServers`
 * real servers with HTTP_GET checks, 100 per virtual server, written as an
 * operator would (one url with path and status_code, timeouts, retries), and
 * three self-hosted vantage points so every real server is assigned to each.
 */
export function largeKeepalivedConfig(realServers: number): string {
  const out: string[] = [];
  const perVs = 100;
  for (let v = 0; v * perVs < realServers; v++) {
    out.push(`virtual_server 192.0.${2 + (v >> 8)}.${v & 255} 80 {
    delay_loop 10
    lvs_sched wrr
    lvs_method NAT
    protocol TCP
`);
    for (let r = v * perVs; r < Math.min(realServers, (v + 1) * perVs); r++) {
      out.push(`    real_server 10.${1 + (r >> 16)}.${(r >> 8) & 255}.${r & 255} 8080 {
        weight 1
        HTTP_GET {
            url {
                path /healthz
                status_code 200
            }
            connect_timeout 3
            retry 3
            delay_before_retry 2
        }
    }
`);
    }
    out.push('}\n');
  }
  out.push(selfHostedVigil(['dc1', 'dc2', 'dc3']));
  return out.join('');
}

/**
 * As many real servers as fit in `maxBytes` and `maxLines` when each is
 * written as tersely as keepalived allows (a bare TCP_CHECK): the most a
 * config within the body limit and the reader's line budget can ask the Board
 * to store, plan and publish.
 */
export function denseKeepalivedConfig(maxBytes: number, maxLines: number): { text: string; realServers: number } {
  const tail = selfHostedVigil(['dc1', 'dc2', 'dc3']);
  const out: string[] = [];
  let size = tail.length;
  let lines = tail.split('\n').length;
  let r = 0;
  for (let v = 0; ; v++) {
    const head = `virtual_server 192.${v >> 8}.${v & 255}.1 80 {\nprotocol TCP\n`;
    const servers: string[] = [];
    let vsSize = head.length + 2;
    let vsLines = 3;
    for (let k = 0; k < 100; k++) {
      const rs = `real_server 10.${(r + k) >> 16}.${((r + k) >> 8) & 255}.${(r + k) & 255} 80 {\nTCP_CHECK {\n}\n}\n`;
      if (size + vsSize + rs.length > maxBytes || lines + vsLines + 4 > maxLines) break;
      servers.push(rs);
      vsSize += rs.length;
      vsLines += 4;
    }
    if (servers.length === 0) break;
    out.push(head, ...servers, '}\n');
    size += vsSize;
    lines += vsLines;
    r += servers.length;
  }
  out.push(tail);
  return { text: out.join(''), realServers: r };
}

/** The `vigil` block declaring these self-hosted vantage points (each is assigned every real server). */
function selfHostedVigil(names: string[]): string {
  return `vigil {\n${names.map((n) => `    vantage_point ${n} {\n        kind self-hosted\n    }\n`).join('')}}\n`;
}
