/** keepalived.conf text for a test director; the same file drives a shim or Debian's keepalived. */
export interface InstanceConf {
  name?: string;
  priority: number;
  vrid?: number;
  version?: 2 | 3;
  advertInt?: string;
  vip: string;
  state?: 'MASTER' | 'BACKUP';
  nopreempt?: boolean;
  preemptDelay?: number;
  pass?: string;
  unicastSrc?: string;
  unicastPeers?: string[];
  interface?: string;
  extra?: string[];
}

export function keepalivedConf(routerId: string, instances: InstanceConf[], globalExtra: string[] = []): string {
  const lines = [
    'global_defs {',
    `  router_id ${routerId}`,
    // Tests assert on address moves, not on the 5 s delayed ARP burst.
    '  vrrp_garp_master_delay 1',
    '  vrrp_garp_master_repeat 1',
    '  script_user root',
    ...globalExtra.map((l) => `  ${l}`),
    '}',
  ];
  for (const i of instances) {
    lines.push(`vrrp_instance ${i.name ?? 'VI_1'} {`);
    lines.push(`  state ${i.state ?? 'BACKUP'}`, `  interface ${i.interface ?? 'eth0'}`, `  virtual_router_id ${i.vrid ?? 51}`, `  priority ${i.priority}`);
    lines.push(`  advert_int ${i.advertInt ?? (i.version === 3 ? '0.1' : '1')}`);
    if (i.version) lines.push(`  version ${i.version}`);
    if (i.nopreempt) lines.push('  nopreempt');
    if (i.preemptDelay) lines.push(`  preempt_delay ${i.preemptDelay}`);
    if (i.pass) lines.push('  authentication {', '    auth_type PASS', `    auth_pass ${i.pass}`, '  }');
    if (i.unicastSrc) lines.push(`  unicast_src_ip ${i.unicastSrc}`);
    if (i.unicastPeers?.length) lines.push('  unicast_peer {', ...i.unicastPeers.map((p) => `    ${p}`), '  }');
    lines.push(...(i.extra ?? []).map((l) => `  ${l}`));
    lines.push('  virtual_ipaddress {', `    ${i.vip}`, '  }', '}');
  }
  return lines.join('\n') + '\n';
}
