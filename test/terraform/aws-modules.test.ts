import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { findTerraform, terraformWorkspace } from './terraform.ts';

const noTerraform = findTerraform() ? null : 'terraform is not on PATH (the HashiCorp release binary; see docs/deploy.md)';

/** terraform test's closing line, as "N passed, M failed" (its own line reads "Success! N passed, 0 failed."). */
function counts(out: string): { passed: number; failed: number } | null {
  const m = /(\d+) passed, (\d+) failed/.exec(out);
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : null;
}

describe.skipIf(!!noTerraform)(skipTitle('Terraform: the AWS modules and examples', noTerraform), () => {
  const ws = terraformWorkspace('vigil-tf-aws-');

  it('every .tf file under terraform/ is formatted (terraform fmt -check -recursive)', async () => {
    const r = await ws.tf(ws.tree, ['fmt', '-check', '-recursive', '-diff', '.']);
    expect(r.code, `files terraform fmt would change:\n${r.out}`).toBe(0);
  });

  for (const dir of ['modules/aws-director', 'examples/directors']) {
    it(`${dir}: terraform init from the provider mirror and validate`, async () => {
      const cwd = join(ws.tree, dir);
      await ws.init(cwd);
      const r = await ws.tf(cwd, ['validate']);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain('The configuration is valid');
    }, 180_000);
  }

  for (const dir of ['modules/aws-director', 'examples/directors']) {
    it(`${dir}: its terraform test files pass with the mock provider (policy, security group, outputs)`, async () => {
      const r = await ws.tf(join(ws.tree, dir), ['test'], 240_000);
      const c = counts(r.out);
      console.log(`terraform test ${dir}: ${c ? `${c.passed} passed, ${c.failed} failed` : 'no summary'}`);
      expect(r.code, r.out).toBe(0);
      expect(c?.failed, r.out).toBe(0);
      expect(c?.passed, r.out).toBeGreaterThan(0);
    }, 300_000);
  }
});
