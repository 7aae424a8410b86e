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
  out.push(`vigil {
    vantage_point dc1 {
        kind self-hosted
    }
    vantage_point dc2 {
        kind self-hosted
    }
    vantage_point dc3 {
        kind self-hosted
    }
}
`);
  return out.join('');
}
