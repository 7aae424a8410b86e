/**
 * Small configs and votes for the control-plane tests, free of any runtime
 * import so the Node-side tests that drive the Worker under wrangler dev
 * (test/metrics/) use the same ones.
 */
import type { Vote } from '../../core/vote/fold.ts';

/** Three self-hosted vantage points (quorum 2 by default) over two real servers. */
export function threeVantageConfig(extra = '', delayLoopS = 5): string {
  return `
virtual_server 192.0.2.10 80 {
    delay_loop ${delayLoopS}
    protocol TCP
    real_server 10.1.0.1 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 2
        }
    }
    real_server 10.1.0.2 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 2
        }
    }
}
vigil {
    vantage_point dc1 {
        kind self-hosted
    }
    vantage_point dc2 {
        kind self-hosted
    }
    vantage_point dc3 {
        kind self-hosted
    }
${extra}
}
`;
}

export const RS1 = 'tcp/192.0.2.10:80|10.1.0.1:80';
export const RS2 = 'tcp/192.0.2.10:80|10.1.0.2:80';

export function vote(target: string, vantagePoint: string, up: boolean, atMs = Date.now()): Vote {
  return { target, vantagePoint, up, reason: up ? 'ok' : 'connect_refused', latencyMs: 3, atMs, intervalMs: 5000, timeoutMs: 2000 };
}
