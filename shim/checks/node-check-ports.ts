import type { CheckPorts } from '../../core/check/ports.ts';
import { nodeTcpPorts } from '../ports/node-ports.ts';
import { nodeSendDatagram } from './node-datagram.ts';
import { nodePing } from './node-ping.ts';

/**
 * What a Node vantage point can do: TCP, UDP, ICMP. Scripts are not here on
 * purpose: whoever runs a config's commands adds them with the config's
 * policy (withScripts in ./script-runner.ts), so nothing runs one by default.
 */
export const nodeCheckPorts: CheckPorts = {
  ...nodeTcpPorts,
  sendDatagram: nodeSendDatagram,
  ping: nodePing,
};
