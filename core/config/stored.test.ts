import { describe, expect, it } from 'vitest';
import { emptyConfig } from './model.ts';
import { parseStoredConfig } from './stored.ts';

describe('a stored model written by an older version', () => {
  it('still reads when it carries keys this version no longer knows', () => {
    const row = { ...JSON.parse(JSON.stringify(emptyConfig())), retiredKey: 1, globalDefs: { ...emptyConfig().globalDefs, oldFlag: true } };
    expect(parseStoredConfig(row)).toEqual(emptyConfig());
  });

  it('still refuses a row that is wrong in any other way', () => {
    expect(() => parseStoredConfig({ virtualServers: 'not a list', retiredKey: 1 })).toThrow();
  });
});
