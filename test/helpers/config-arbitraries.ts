import { WEBHOOK_EVENTS } from '../../core/config/vigil.ts';
import fc from 'fast-check';
import { isValidRegex } from '../../core/config/checks.ts';
import type { ConfigInput } from '../../core/config/model.ts';

/** fast-check generators for configs that keepalived.conf can express (for round-trip tests). */

const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,10}$/);
const octet = fc.integer({ min: 0, max: 255 });
export const ipv4 = fc.tuple(fc.integer({ min: 1, max: 223 }), octet, octet, fc.integer({ min: 1, max: 254 })).map((o) => o.join('.'));
const ipv6 = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
const ip = fc.oneof({ weight: 4, arbitrary: ipv4 }, { weight: 1, arbitrary: ipv6 });
const port = fc.integer({ min: 1, max: 65535 });
/** Durations keepalived can write: whole microseconds. */
const ms = (maxS: number) => fc.integer({ min: 0, max: maxS * 1_000_000 }).map((us) => us / 1000);
const word = fc.stringMatching(/^[A-Za-z0-9/_.:-]{1,12}$/);
const command = fc.array(fc.stringMatching(/^[A-Za-z0-9/_.:#!'-]{1,10}$/), { minLength: 1, maxLength: 4 }).map((w) => '/' + w.join(' '));
const script = fc.record({ command, user: fc.option(name, { nil: undefined }), group: fc.option(name, { nil: undefined }) }, { requiredKeys: ['command'] })
  .map((s) => (s.user === undefined ? { command: s.command } : s));
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const timing = {
  connectTimeoutMs: opt(ms(100)),
  retry: opt(fc.integer({ min: 0, max: 10 })),
  delayBeforeRetryMs: opt(ms(100)),
  warmupMs: opt(ms(100)),
  delayLoopMs: opt(ms(600)),
};
const conn = { connectIp: opt(ip), connectPort: opt(port), bindTo: opt(ip), bindPort: opt(port), bindIf: opt(name), fwmark: opt(fc.integer({ min: 1, max: 1000 })) };
const statusRange = fc.tuple(fc.integer({ min: 100, max: 599 }), fc.integer({ min: 0, max: 50 })).map(([a, d]) => ({ from: a, to: Math.min(599, a + d) }));
const url = fc.record(
  {
    path: fc.stringMatching(/^\/[A-Za-z0-9/_.?=&-]{0,20}$/),
    digest: opt(fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => 'sha256:' + h))),
    statusCodes: fc.array(statusRange, { maxLength: 3 }),
    virtualhost: opt(word),
    regex: opt(fc.stringMatching(/^[A-Za-z0-9 |.*+]{1,12}$/).filter((r) => r.trim() === r && r !== '' && isValidRegex(r))),
    regexNoMatch: fc.boolean(),
  },
  { requiredKeys: ['path'] },
);
const http = { ...conn, ...timing, urls: fc.array(url, { minLength: 1, maxLength: 3 }), httpProtocol: fc.constantFrom('1.0', '1.0C', '1.1'), virtualhost: opt(word), fastRecovery: fc.boolean() };
const check = fc.oneof(
  fc.record({ type: fc.constant('HTTP_GET' as const), ...http }, { requiredKeys: ['type', 'urls'] }),
  fc.record({ type: fc.constant('SSL_GET' as const), ...http, enableSni: fc.boolean(), sniName: opt(word), tlsVerify: fc.boolean() }, { requiredKeys: ['type', 'urls'] }),
  fc.record({ type: fc.constant('TCP_CHECK' as const), ...conn, ...timing }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('SMTP_CHECK' as const), ...timing, heloName: word, hosts: fc.array(fc.record(conn, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('DNS_CHECK' as const), ...timing, queryType: fc.constantFrom('A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA'), name: word }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('MISC_CHECK' as const), ...timing, miscPath: script, miscTimeoutMs: opt(ms(60)), miscDynamic: fc.boolean() }, { requiredKeys: ['type', 'miscPath'] }),
  fc.record({ type: fc.constant('PING_CHECK' as const), ...timing }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('UDP_CHECK' as const), ...conn, payload: opt(fc.stringMatching(/^([0-9a-f]{2}){1,8}$/)), requireReply: fc.oneof(fc.boolean(), fc.stringMatching(/^([0-9a-fx]{2}){1,4}$/)), minReplyLength: fc.integer({ min: 0, max: 100 }), maxReplyLength: fc.integer({ min: 0, max: 1000 }) }, { requiredKeys: ['type'] }),
);
const realServer = fc.record(
  {
    ip,
    port,
    weight: fc.integer({ min: 0, max: 1000 }),
    inhibitOnFailure: opt(fc.boolean()),
    notifyUp: opt(script),
    notifyDown: opt(script),
    alpha: opt(fc.boolean()),
    virtualhost: opt(word),
    ...timing,
    checks: fc.array(check, { maxLength: 3 }),
  },
  { requiredKeys: ['ip', 'port', 'checks'] },
);
const lvsMethod = fc.oneof(
  fc.constant({ kind: 'NAT' as const }),
  fc.constant({ kind: 'DR' as const }),
  fc.record({ kind: fc.constant('TUN' as const), tunnelType: fc.constantFrom('ipip' as const, 'gre' as const) }),
  fc.record({ kind: fc.constant('TUN' as const), tunnelType: fc.constant('gue' as const), tunnelPort: port, tunnelChecksum: fc.constantFrom('csum' as const, 'nocsum' as const) }),
);
const vsCommon = {
  protocol: fc.constantFrom('TCP' as const, 'UDP' as const, 'SCTP' as const),
  lbAlgo: fc.constantFrom('rr' as const, 'wrr' as const, 'lc' as const, 'wlc' as const, 'sh' as const, 'mh' as const),
  lvsMethod,
  persistenceTimeoutS: opt(fc.integer({ min: 1, max: 10_000 })),
  quorum: fc.integer({ min: 1, max: 50 }),
  hysteresis: fc.integer({ min: 0, max: 5 }),
  quorumUp: opt(script),
  quorumDown: opt(script),
  sorryServer: opt(fc.record({ ip, port }, { requiredKeys: ['ip'] })),
  inhibitOnFailure: fc.boolean(),
  alpha: fc.boolean(),
  omega: fc.boolean(),
  delayLoopMs: ms(600),
  virtualhost: opt(word),
  realServers: fc.array(realServer, { maxLength: 4 }),
};
const virtualServer = fc.oneof(
  fc.record({ ip, port, ...vsCommon }, { requiredKeys: ['ip', 'port', 'realServers'] }),
  fc.record({ fwmark: fc.integer({ min: 1, max: 100000 }), ...vsCommon, protocol: fc.constant(undefined) }, { requiredKeys: ['fwmark', 'realServers'] }),
);
const vip = fc.record({ address: fc.tuple(ipv4, fc.integer({ min: 8, max: 32 })).map(([a, p]) => `${a}/${p}`), dev: opt(name), label: opt(name), scope: opt(fc.constantFrom('link', 'host', 'global')) }, { requiredKeys: ['address'] });
const track = fc.record({ name, weight: opt(fc.integer({ min: -253, max: 253 })), reverse: opt(fc.boolean()) }, { requiredKeys: ['name'] });
/** A vrrp_track_process as keepalived can write it: parameters and param_match imply full_command; quorum_max 0 means quorum 0. */
const trackProcess = fc
  .record({
    name,
    process: word,
    params: fc.array(word, { maxLength: 3 }),
    paramMatch: fc.constantFrom('none' as const, 'exact' as const, 'partial' as const, 'initial' as const),
    fullCommand: fc.boolean(),
    weight: fc.integer({ min: -254, max: 254 }),
    reverse: fc.boolean(),
    quorum: fc.integer({ min: 1, max: 65535 }),
    quorumMax: fc.oneof(fc.constant(2 ** 32 - 1), fc.integer({ min: 0, max: 65535 })),
    terminateDelayMs: ms(3600),
    forkDelayMs: ms(3600),
  })
  .map((p) => {
    const paramMatch = p.params.length && p.paramMatch === 'none' ? ('exact' as const) : p.paramMatch;
    const quorum = p.quorumMax === 0 ? 0 : Math.min(p.quorum, p.quorumMax);
    return { ...p, paramMatch, fullCommand: p.fullCommand || paramMatch !== 'none', quorum, reverse: p.weight !== 0 && p.reverse };
  });
const vrrpInstance = (vrName: string, processNames: string[] = []) =>
  fc.record(
    {
      name: fc.constant(vrName),
      state: fc.constantFrom('MASTER' as const, 'BACKUP' as const),
      interface: name,
      virtualRouterId: fc.integer({ min: 1, max: 255 }),
      priority: fc.integer({ min: 1, max: 255 }),
      advertIntMs: fc.integer({ min: 1, max: 2550 }).map((cs) => cs * 10),
      version: opt(fc.constantFrom(2 as const, 3 as const)),
      authentication: opt(fc.record({ type: fc.constantFrom('PASS' as const, 'AH' as const), pass: fc.stringMatching(/^[A-Za-z0-9]{1,8}$/) })),
      virtualIpaddress: fc.array(vip, { maxLength: 3 }),
      unicastSrcIp: opt(ipv4),
      unicastPeers: fc.array(fc.record({ ip: ipv4 }), { maxLength: 2 }),
      nopreempt: fc.boolean(),
      preemptDelayMs: ms(1000),
      trackInterface: fc.array(track, { maxLength: 2 }),
      trackScript: fc.array(track, { maxLength: 2 }),
      trackProcess: fc.shuffledSubarray(processNames).chain((ns) => fc.tuple(...ns.map((n) => fc.record({ name: fc.constant(n), weight: opt(fc.integer({ min: -254, max: 254 })), reverse: opt(fc.boolean()) }, { requiredKeys: ['name'] })))),
      notifyMaster: opt(script),
      notifyBackup: opt(script),
      garpMasterDelayMs: opt(ms(100)),
      v3ChecksumAsV2: opt(fc.boolean()),
    },
    { requiredKeys: ['name', 'interface', 'virtualRouterId'] },
  );

export const arbConfig: fc.Arbitrary<ConfigInput> = fc
  .record({
    routerId: opt(name),
    vrrpVersion: fc.constantFrom(2 as const, 3 as const),
    vrrpStrict: fc.boolean(),
    emails: fc.array(fc.stringMatching(/^[a-z]{1,6}@[a-z]{1,6}\.org$/), { maxLength: 2 }),
    vs: fc.array(virtualServer, { maxLength: 3 }),
    instanceNames: fc.uniqueArray(name, { maxLength: 3 }),
    scripts: fc.uniqueArray(fc.record({ name, script, intervalMs: ms(60), weight: fc.integer({ min: -253, max: 253 }), rise: fc.integer({ min: 1, max: 5 }), fall: fc.integer({ min: 1, max: 5 }) }), { maxLength: 2, selector: (s) => s.name }),
    processes: fc.uniqueArray(trackProcess, { maxLength: 2, selector: (p) => p.name }),
    vantage: fc.uniqueArray(fc.record({ name, kind: fc.constantFrom('edge' as const, 'self-hosted' as const), region: opt(fc.constantFrom('weur', 'enam', 'apac')) }, { requiredKeys: ['name', 'kind'] }), { maxLength: 3, selector: (v) => v.name }),
  })
  .chain((c) => {
    // An honest vote plan by construction (check-config refuses a real server fewer vantage points can
    // check than its quorum): the first vantage point is self-hosted, so every real server has one, and a
    // generated quorum never exceeds the self-hosted ones unless it says how to degrade.
    const vantage = c.vantage.map((v, i) => (i === 0 ? { ...v, kind: 'self-hosted' as const } : v));
    const selfHosted = vantage.filter((v) => v.kind === 'self-hosted').length;
    const vote = fc.record(
      {
        quorum: fc.integer({ min: 1, max: Math.max(1, vantage.length) }),
        degrade: fc.constantFrom('refuse' as const, 'majority' as const, 'all' as const),
        freshnessIntervals: fc.integer({ min: 1, max: 10 }),
      },
      { requiredKeys: ['freshnessIntervals'] },
    ).map((v) => (v.quorum !== undefined && v.quorum > selfHosted && (v.degrade ?? 'refuse') === 'refuse' ? { ...v, quorum: Math.max(1, selfHosted) } : v));
    // track_board names the first virtual server when no other one answers to the same name (check-config refuses an ambiguous one).
    const first = c.vs[0] as { ip?: string; port?: number; fwmark?: number; protocol?: string } | undefined;
    const ref = first === undefined ? undefined : first.fwmark !== undefined ? { fwmark: first.fwmark } : { ip: first.ip!, port: first.port!, protocol: (first.protocol ?? 'UDP') as 'TCP' | 'UDP' | 'SCTP' };
    const answers = (v: { ip?: string; port?: number; fwmark?: number; protocol?: string }) => (ref && 'fwmark' in ref ? v.fwmark === ref.fwmark : v.ip === ref?.ip && v.port === ref?.port && (v.protocol ?? 'UDP') === ref?.protocol);
    const trackBoards =
      ref && (c.vs as Array<Parameters<typeof answers>[0]>).filter(answers).length === 1
        ? fc.uniqueArray(
            fc.record({
              name,
              virtualServer: fc.constant(ref),
              weight: fc.integer({ min: -253, max: 253 }),
              reverse: fc.boolean(),
              holdTimeMs: ms(600),
              instances: fc.subarray(c.instanceNames).chain((ns) => fc.tuple(...ns.map((n) => fc.record({ name: fc.constant(n), weight: opt(fc.integer({ min: -253, max: 253 })), reverse: opt(fc.boolean()) }, { requiredKeys: ['name'] })))),
            }),
            { maxLength: 2, selector: (t) => t.name },
          )
        : fc.constant([]);
    const alertWebhooks = fc.uniqueArray(
      fc.record({
        name,
        url: fc.constantFrom('https://hooks.example.com/vigil', 'https://hooks.example.com/T0/B0/x?team=lb&on=1', 'http://127.0.0.1:9000/hook', 'http://[::1]:8080/'),
        events: fc.uniqueArray(fc.constantFrom(...WEBHOOK_EVENTS), { minLength: 1 }),
        secretEnv: fc.stringMatching(/^VIGIL_WEBHOOK_[A-Z0-9_]{1,12}$/),
      }),
      { maxLength: 2, selector: (w) => w.name },
    );
    return fc.tuple(fc.tuple(...c.instanceNames.map((n) => vrrpInstance(n, c.processes.map((p) => p.name)))), vantage.length ? vote : fc.constant(undefined), trackBoards, alertWebhooks).map(([instances, v, tbs, hooks]) => ({
      globalDefs: { routerId: c.routerId, vrrpVersion: c.vrrpVersion, vrrpStrict: c.vrrpStrict, notificationEmail: c.emails },
      virtualServers: c.vs,
      vrrpInstances: instances,
      vrrpScripts: c.scripts,
      vrrpTrackProcesses: c.processes,
      vrrpSyncGroups: instances.length >= 2 ? [{ name: 'SG', group: instances.map((i) => i.name) }] : [],
      vigil: v ? { vantagePoints: vantage, vote: v, trackBoards: tbs, alertWebhooks: hooks } : { vantagePoints: vantage, trackBoards: tbs, alertWebhooks: hooks },
    }));
  }) as fc.Arbitrary<ConfigInput>;
