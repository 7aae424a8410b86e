/**
 * vrrp_sync_group: the members move together (keepalived vrrp_sync.c).
 * - One member in FAULT puts them all in FAULT (the caller feeds groupFault).
 * - A member may become master only when every other member wants to too,
 *   which prefers BACKUP to thrashing; once one is master the rest follow.
 * - A master member that falls back to BACKUP takes the others with it.
 * Pure: returns, per member, the effects the caller must carry out.
 */
import type { Effect, VrrpMachine, VrrpState } from './machine.ts';

export type GroupState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

export interface GroupFollowResult {
  effects: Array<{ machine: VrrpMachine; effects: Effect[] }>;
  /** Set when the group as a whole changed state: notify GROUP scripts and the FIFO. */
  groupTransition: { from: GroupState; to: GroupState } | null;
}

export class SyncGroup {
  state: GroupState = 'INIT';

  constructor(
    readonly name: string,
    readonly members: VrrpMachine[],
  ) {
    for (const m of members) m.canGoMaster = (self) => this.canGoMaster(self);
  }

  canGoMaster(self: VrrpMachine): boolean {
    if (this.state === 'MASTER') return true;
    return this.members.every((m) => m === self || m.wantMaster || m.state === 'MASTER');
  }

  /** After `changed` moved from `from`, bring the other members along. */
  follow(nowMs: number, changed: VrrpMachine, from: VrrpState): GroupFollowResult {
    const effects: GroupFollowResult['effects'] = [];
    if (changed.state === 'MASTER' && from !== 'MASTER') {
      for (const m of this.members) if (m !== changed && m.state === 'BACKUP') effects.push({ machine: m, effects: m.gotoMaster(nowMs) });
    } else if (from === 'MASTER' && changed.state === 'BACKUP') {
      for (const m of this.members) if (m !== changed && m.state === 'MASTER') effects.push({ machine: m, effects: m.gotoBackup(nowMs) });
    }
    return { effects, groupTransition: this.refresh() };
  }

  /** Recomputes the group's state from its members. */
  refresh(): GroupFollowResult['groupTransition'] {
    const states = this.members.map((m) => m.state);
    const next: GroupState = states.includes('FAULT')
      ? 'FAULT'
      : states.includes('MASTER')
        ? 'MASTER'
        : states.every((s) => s === 'INIT' || s === 'STOP')
          ? this.state
          : 'BACKUP';
    if (next === this.state) return null;
    const from = this.state;
    this.state = next;
    return { from, to: next };
  }
}
