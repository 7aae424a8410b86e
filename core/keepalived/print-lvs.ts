import type { Check, HttpUrl } from '../config/checks.ts';
import { DEFAULT_DELAY_LOOP_MS } from '../config/effective.ts';
import type { RealServer, VirtualServer } from '../config/lvs.ts';
import type { Config } from '../config/model.ts';
import type { LvsMethod } from '../config/primitives.ts';
import { q, words, type Writer } from './print-writer.ts';

export function printLvs(w: Writer, c: Config): void {
  for (const g of c.virtualServerGroups) {
    w.block(`virtual_server_group ${q(g.name)}`, () => {
      for (const e of g.entries) {
        if ('fwmark' in e) w.line(words('fwmark', String(e.fwmark), e.family ?? ''));
        else w.line(words(e.range, e.port !== undefined ? String(e.port) : ''));
      }
    });
  }
  for (const vs of c.virtualServers) printVirtualServer(w, vs);
}

function method(m: LvsMethod): string {
  return words(m.kind, m.tunnelType ? `type ${m.tunnelType}` : '', m.tunnelPort !== undefined ? `port ${m.tunnelPort}` : '', m.tunnelChecksum ?? '');
}

function timing(w: Writer, t: Pick<RealServer, 'connectTimeoutMs' | 'retry' | 'delayBeforeRetryMs' | 'warmupMs' | 'delayLoopMs'>): void {
  w.timer('connect_timeout', t.connectTimeoutMs);
  w.opt('retry', t.retry);
  w.timer('delay_before_retry', t.delayBeforeRetryMs);
  w.timer('warmup', t.warmupMs);
  w.timer('delay_loop', t.delayLoopMs);
}

function printVirtualServer(w: Writer, vs: VirtualServer): void {
  const head =
    vs.fwmark !== undefined ? `virtual_server fwmark ${vs.fwmark}` : vs.group !== undefined ? `virtual_server group ${q(vs.group)}` : words('virtual_server', vs.ip!, vs.port !== undefined ? String(vs.port) : '');
  w.block(head, () => {
    w.opt('ip_family', vs.ipFamily);
    w.timer('delay_loop', vs.delayLoopMs, DEFAULT_DELAY_LOOP_MS);
    w.line(`lvs_sched ${vs.lbAlgo}`);
    vs.schedulerFlags.forEach((f) => w.line(f));
    w.flag('ops', vs.ops, false);
    if (vs.lvsMethod.kind !== 'NAT' || vs.lvsMethod.tunnelType) w.line(`lvs_method ${method(vs.lvsMethod)}`);
    w.opt('persistence_engine', vs.persistenceEngine);
    w.opt('persistence_timeout', vs.persistenceTimeoutS);
    w.opt('persistence_granularity', vs.persistenceGranularity);
    w.opt('protocol', vs.protocol);
    w.flag('ha_suspend', vs.haSuspend, false);
    w.flag('smtp_alert', vs.smtpAlert);
    w.opt('virtualhost', vs.virtualhost);
    w.opt('snmp_name', vs.snmpName);
    w.flag('alpha', vs.alpha, false);
    w.flag('omega', vs.omega, false);
    if (vs.quorum !== 1) w.line(`quorum ${vs.quorum}`);
    if (vs.hysteresis !== 0) w.line(`hysteresis ${vs.hysteresis}`);
    w.script('quorum_up', vs.quorumUp);
    w.script('quorum_down', vs.quorumDown);
    w.opt('weight', vs.weight);
    if (vs.sorryServer) w.line(words('sorry_server', vs.sorryServer.ip, vs.sorryServer.port !== undefined ? String(vs.sorryServer.port) : ''));
    w.flag('sorry_server_inhibit', vs.sorryServerInhibit, false);
    if (vs.sorryServerLvsMethod) w.line(`sorry_server_lvs_method ${method(vs.sorryServerLvsMethod)}`);
    w.flag('inhibit_on_failure', vs.inhibitOnFailure, false);
    w.timer('connect_timeout', vs.connectTimeoutMs);
    w.opt('retry', vs.retry);
    w.timer('delay_before_retry', vs.delayBeforeRetryMs);
    w.timer('warmup', vs.warmupMs);
    for (const rs of vs.realServers) printRealServer(w, rs);
  });
}

function printRealServer(w: Writer, rs: RealServer): void {
  w.block(words('real_server', rs.ip, rs.port !== undefined ? String(rs.port) : ''), () => {
    w.line(`weight ${rs.weight}`);
    if (rs.lvsMethod) w.line(`lvs_method ${method(rs.lvsMethod)}`);
    w.opt('uthreshold', rs.uthreshold);
    w.opt('lthreshold', rs.lthreshold);
    w.flag('inhibit_on_failure', rs.inhibitOnFailure);
    w.script('notify_up', rs.notifyUp);
    w.script('notify_down', rs.notifyDown);
    w.flag('alpha', rs.alpha);
    w.flag('smtp_alert', rs.smtpAlert);
    w.opt('virtualhost', rs.virtualhost);
    w.opt('snmp_name', rs.snmpName);
    timing(w, rs);
    for (const chk of rs.checks) printCheck(w, chk);
  });
}

function printUrl(w: Writer, u: HttpUrl): void {
  w.block('url', () => {
    w.opt('path', u.path);
    w.opt('digest', u.digest);
    if (u.statusCodes.length) w.line(words('status_code', ...u.statusCodes.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`))));
    w.opt('virtualhost', u.virtualhost);
    w.opt('regex', u.regex);
    w.flag('regex_no_match', u.regexNoMatch, false);
    if (u.regexOptions.length) w.line(words('regex_options', ...u.regexOptions.map(q)));
    w.opt('regex_min_offset', u.regexMinOffset);
    w.opt('regex_max_offset', u.regexMaxOffset);
    if (u.regexStack) w.line(`regex_stack ${u.regexStack[0]} ${u.regexStack[1]}`);
    w.flag('tls_compliant', u.tlsCompliant, false);
  });
}

function connection(w: Writer, c: { connectIp?: string | undefined; connectPort?: number | undefined; bindTo?: string | undefined; bindPort?: number | undefined; bindIf?: string | undefined; fwmark?: number | undefined }): void {
  w.opt('connect_ip', c.connectIp);
  w.opt('connect_port', c.connectPort);
  w.opt('bindto', c.bindTo);
  w.opt('bind_port', c.bindPort);
  w.opt('bind_if', c.bindIf);
  w.opt('fwmark', c.fwmark);
}

function printCheck(w: Writer, c: Check): void {
  w.block(c.type, () => {
    if (c.type === 'FILE_CHECK') {
      w.opt('track_file', c.trackFile);
      w.flag('dynamic', c.dynamic, false);
      if (c.weight !== undefined) w.line(words('weight', String(c.weight), c.reverse ? 'reverse' : ''));
      return;
    }
    if (c.type === 'BFD_CHECK') {
      w.opt('name', c.name);
      w.flag('alpha', c.alpha);
      return;
    }
    if (c.type !== 'MISC_CHECK') connection(w, c);
    timing(w, c);
    w.flag('alpha', c.alpha);
    w.flag('log_all_failures', c.logAllFailures);
    switch (c.type) {
      case 'SSL_GET':
        w.flag('enable_sni', c.enableSni, false);
        w.opt('sni_name', c.sniName);
        w.flag('vigil_tls_verify', c.tlsVerify, false);
      // falls through: SSL_GET has every HTTP_GET keyword
      case 'HTTP_GET':
        if (c.httpProtocol !== '1.0') w.line(`http_protocol ${c.httpProtocol}`);
        w.opt('virtualhost', c.virtualhost);
        w.flag('fast_recovery', c.fastRecovery, false);
        w.flag('tls_compliant', c.tlsCompliant, false);
        c.urls.forEach((u) => printUrl(w, u));
        break;
      case 'SMTP_CHECK':
        if (c.heloName !== 'smtpchecker.keepalived.org') w.opt('helo_name', c.heloName);
        c.hosts.forEach((h) => w.block('host', () => connection(w, h)));
        break;
      case 'DNS_CHECK':
        if (c.queryType !== 'SOA') w.line(`type ${c.queryType}`);
        if (c.name !== '.') w.opt('name', c.name);
        break;
      case 'MISC_CHECK':
        w.line(words('misc_path', q(c.miscPath.command)));
        if (c.miscPath.user) w.line(words('user', q(c.miscPath.user), c.miscPath.group ? q(c.miscPath.group) : ''));
        w.timer('misc_timeout', c.miscTimeoutMs);
        w.flag('misc_dynamic', c.miscDynamic, false);
        break;
      case 'UDP_CHECK':
        if (c.payload !== undefined && c.payload !== '') w.line(`payload ${c.payload}`);
        if (c.requireReply === true) w.line('require_reply');
        else if (typeof c.requireReply === 'string' && c.requireReply !== '') w.line(`require_reply ${c.requireReply}`);
        if (c.minReplyLength !== 0) w.line(`min_reply_length ${c.minReplyLength}`);
        if (c.maxReplyLength !== 255) w.line(`max_reply_length ${c.maxReplyLength}`);
        break;
    }
  });
}
