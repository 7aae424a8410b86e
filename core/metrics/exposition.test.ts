import { describe, expect, it } from 'vitest';
import { promtool, promtoolMissing } from '../../test/helpers/promtool.ts';
import { Metrics } from './exposition.ts';

describe('Prometheus exposition', () => {
  it('a family past its cap keeps its first series and says how many it left out; the text still parses', (ctx) => {
    const m = new Metrics(3);
    m.define('vigil_real_server_state', 'gauge', 'state-set\nwith a newline and a \\ backslash');
    for (let i = 0; i < 5; i++) m.set('vigil_real_server_state', 1, { real_server: `10.0.0.${i}:80`, state: 'up' });
    m.set('vigil_real_server_state', 0, { real_server: '10.0.0.0:80', state: 'up' }); // an existing series is still updated
    m.define('vigil_vantage_point_last_vote_age_seconds', 'gauge', 'age');
    m.set('vigil_vantage_point_last_vote_age_seconds', Infinity, { vantage_point: 'dc"3' });
    const text = m.render();
    expect(text.match(/^vigil_real_server_state\{/gm)).toHaveLength(3);
    expect(text).toContain('vigil_real_server_state{real_server="10.0.0.0:80",state="up"} 0');
    expect(text).toContain('vigil_metrics_series_dropped{family="vigil_real_server_state"} 2');
    expect(text).toContain('# HELP vigil_real_server_state state-set\\nwith a newline and a \\\\ backslash');
    expect(text).toContain('vigil_vantage_point_last_vote_age_seconds{vantage_point="dc\\"3"} +Inf');
    if (promtoolMissing) return ctx.skip(promtoolMissing);
    const lint = promtool(['check', 'metrics'], text);
    expect(lint.code, `${lint.out}\n${text}`).toBe(0);
  });
});
