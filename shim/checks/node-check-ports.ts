import type { CheckPorts } from '../../core/check/ports.ts';
import { nodeTcpPorts } from '../ports/node-ports.ts';
import { nodeSendDatagram } from './node-datagram.ts';
import { nodePing } from './node-ping.ts';
import { runProcess } from './node-process.ts';

/** Everything a self-hosted prober can do: TCP, UDP, ICMP, processes. */
export const nodeCheckPorts: CheckPorts = {
  ...nodeTcpPorts,
  sendDatagram: nodeSendDatagram,
  ping: nodePing,
  runScript: runProcess,
};
