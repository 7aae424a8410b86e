import * as z from 'zod';
import { GlobalDefs } from './global.ts';
import { SslContext, VirtualServer, VirtualServerGroup } from './lvs.ts';
import { IpRouteLine, OtherBlock, VirtualAddress, VrrpInstance, VrrpScript, VrrpSyncGroup, VrrpTrackFile } from './vrrp.ts';
import { VigilSection } from './vigil.ts';
import { VrrpTrackProcess } from './track-process.ts';

/** The Vigil JSON form: everything a keepalived.conf says, plus Vigil's own section. */
export const Config = z.strictObject({
  globalDefs: GlobalDefs.default(GlobalDefs.parse({})),
  staticIpaddress: z.array(VirtualAddress).default([]),
  staticRoutes: z.array(IpRouteLine).default([]),
  staticRules: z.array(IpRouteLine).default([]),
  ssl: SslContext.optional(),
  virtualServerGroups: z.array(VirtualServerGroup).default([]),
  virtualServers: z.array(VirtualServer).default([]),
  vrrpScripts: z.array(VrrpScript).default([]),
  vrrpTrackFiles: z.array(VrrpTrackFile).default([]),
  vrrpTrackProcesses: z.array(VrrpTrackProcess).default([]),
  vrrpSyncGroups: z.array(VrrpSyncGroup).default([]),
  vrrpInstances: z.array(VrrpInstance).default([]),
  /** Other top-level blocks keepalived knows and Vigil carries through (bfd_instance, garp_group...). */
  otherBlocks: z.array(OtherBlock).default([]),
  vigil: VigilSection.default(VigilSection.parse({})),
});
export type Config = z.infer<typeof Config>;
/** What a JSON document may omit: everything with a default. */
export type ConfigInput = z.input<typeof Config>;

export function emptyConfig(): Config {
  return Config.parse({});
}
