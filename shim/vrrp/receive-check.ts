/**
 * The checks keepalived's vrrp_check_packet makes once a packet has decoded,
 * against one instance's configuration. Pure. Order matters only for which
 * reason is counted; a packet that fails any check is dropped.
 */
import { canonicalAddress, type Advert, type DropReason } from './codec.ts';
import { VRRP_TTL } from './codec.ts';

export interface ReceivePolicy {
  version: 2 | 3;
  vrid: number;
  advertIntMs: number;
  /** v2 only: 0 none, 1 PASS (AH is refused at config time). */
  authType: 0 | 1;
  authData: Buffer;
  /** Unicast mode: adverts arrive from these peers to our unicast source. */
  unicastPeers: Array<{ ip: string; minTtl?: number; maxTtl?: number }>;
  checkUnicastSrc: boolean;
  ownAddresses: Set<string>;
}

export interface PacketMeta {
  source: string;
  destination: string;
  /** IPv4 TTL / IPv6 hop limit; -1 when the kernel did not say. */
  ttl: number;
  multicast: boolean;
}

export type CheckResult = { ok: true; warnings: Array<'address-list'> } | { ok: false; reason: DropReason };

export function checkAdvert(policy: ReceivePolicy, meta: PacketMeta, adv: Advert, configuredAddresses: string[]): CheckResult {
  const unicast = policy.unicastPeers.length > 0;
  if (policy.ownAddresses.has(canonicalAddress(meta.source))) return { ok: false, reason: 'own-packet' };
  let peer: ReceivePolicy['unicastPeers'][number] | undefined;
  if (unicast) {
    const src = canonicalAddress(meta.source);
    peer = policy.unicastPeers.find((p) => canonicalAddress(p.ip) === src);
  }
  // RFC: TTL/hop limit must be 255. keepalived skips it for unicast, where per-peer min_ttl/max_ttl apply instead.
  if (!unicast && meta.ttl !== -1 && meta.ttl !== VRRP_TTL) return { ok: false, reason: 'bad-ttl' };
  if (adv.version !== policy.version) return { ok: false, reason: 'bad-version' };
  if (adv.vrid !== policy.vrid) return { ok: false, reason: 'unknown-vrid' };
  if (adv.version === 2) {
    if (adv.authType !== 0 && adv.authType !== 1 && adv.authType !== 2) return { ok: false, reason: 'bad-auth-type' };
    if (adv.authType !== policy.authType) return { ok: false, reason: 'auth-mismatch' };
    if (policy.authType === 1 && !adv.authData.equals(policy.authData)) return { ok: false, reason: 'auth-mismatch' };
    // A different v2 interval means another router on this VRID: drop, as keepalived does, to avoid two masters.
    if (adv.advertIntMs !== policy.advertIntMs) return { ok: false, reason: 'interval-mismatch' };
  }
  if (meta.multicast === unicast) return { ok: false, reason: 'wrong-destination' };
  if (unicast && policy.checkUnicastSrc && !peer) return { ok: false, reason: 'unknown-peer' };
  if (peer && meta.ttl !== -1) {
    if ((peer.minTtl !== undefined && meta.ttl < peer.minTtl) || (peer.maxTtl !== undefined && meta.ttl > peer.maxTtl)) {
      return { ok: false, reason: 'bad-ttl' };
    }
  }
  // keepalived counts a different address list but still accepts the advert.
  const theirs = new Set(adv.addresses.map(canonicalAddress));
  const same = theirs.size === configuredAddresses.length && configuredAddresses.every((a) => theirs.has(canonicalAddress(a)));
  return { ok: true, warnings: same ? [] : ['address-list'] };
}
