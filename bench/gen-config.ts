/** A keepalived.conf of `vs` virtual servers × `rs` real servers, each with an HTTP_GET: the parse benchmark's input. */
export function generateConfig(vs: number, rs: number): string {
  const out: string[] = ['global_defs {', '    router_id bench', '}'];
  for (let v = 0; v < vs; v++) {
    const vip = `10.${(v >> 8) & 255}.${v & 255}.1`;
    out.push(`virtual_server ${vip} 80 {`, '    delay_loop 6', '    lvs_sched wrr', '    lvs_method NAT', '    protocol TCP', '    persistence_timeout 50');
    for (let r = 0; r < rs; r++) {
      out.push(
        `    real_server 172.${16 + (v >> 8)}.${v & 255}.${r + 1} 8080 {`,
        '        weight 1',
        '        HTTP_GET {',
        '            url {',
        `                path /health/${r}`,
        '                digest 640205b7b0fc66c1ea91c463fac6334d',
        '            }',
        '            connect_timeout 3',
        '            delay_before_retry 3',
        '        }',
        '    }',
      );
    }
    out.push('}');
  }
  return out.join('\n') + '\n';
}
