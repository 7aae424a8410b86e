import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll } from 'vitest';
import { spawnDaemon } from '../helpers/daemon.ts';
import { within } from '../helpers/eventually.ts';

export const REPO = join(import.meta.dirname, '../..');
const AWS = 'registry.terraform.io/hashicorp/aws';

/** The terraform binary on PATH, or null (the one reason these tests may skip). */
export function findTerraform(): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const p = join(dir, 'terraform');
    if (dir && existsSync(p)) return p;
  }
  return null;
}

/** Terraform's usual plugin folders (its CLI documentation's implied local mirrors), first match wins. */
export function pluginFolders(): string[] {
  const xdg = process.env['XDG_DATA_HOME'] ?? join(homedir(), '.local/share');
  const dataDirs = (process.env['XDG_DATA_DIRS'] ?? '/usr/local/share:/usr/share').split(':').filter(Boolean);
  return [
    ...(process.env['VIGIL_TF_PLUGIN_DIR'] ? [process.env['VIGIL_TF_PLUGIN_DIR']] : []),
    '/opt/tf-plugins',
    join(homedir(), '.terraform.d/plugins'),
    join(xdg, 'terraform/plugins'),
    ...dataDirs.map((d) => join(d, 'terraform/plugins')),
  ];
}

/** The first plugin folder holding an unpacked hashicorp/aws for this platform. */
export function findAwsMirror(): string | null {
  for (const dir of pluginFolders()) {
    const versions = join(dir, AWS);
    if (!existsSync(versions)) continue;
    for (const v of readdirSync(versions)) if (existsSync(join(versions, v, 'linux_amd64'))) return dir;
  }
  return null;
}

export interface TfResult {
  code: number | string;
  out: string;
}

/**
 * A scratch copy of terraform/ (init writes .terraform and a lock file beside the configuration, so the
 * checkout stays clean), a CLI config whose filesystem_mirror is the machine's provider folder (the
 * environment's own TF_CLI_CONFIG_FILE may name a missing file), and `tf(dir, ...args)`: terraform in
 * its own process group with a deadline, killed when its test ends. The unpacked mirror is linked,
 * not copied, by init, so no plugin cache is needed. Removed after the file's tests.
 */
export function terraformWorkspace(prefix: string) {
  const root = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const tree = join(root, 'terraform');
  cpSync(join(REPO, 'terraform'), tree, { recursive: true, filter: (src) => !/[/\\]\.terraform(\.lock\.hcl)?$/.test(src) });
  const mirror = findAwsMirror();
  const cliConfig = join(root, 'cli.tfrc');
  writeFileSync(
    cliConfig,
    mirror
      ? `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["${AWS}"]\n  }\n  direct {\n    exclude = ["${AWS}"]\n  }\n}\n`
      : '',
  );
  const env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1' };
  const tf = async (dir: string, args: string[], timeoutMs = 120_000): Promise<TfResult> => {
    const d = spawnDaemon(findTerraform() ?? 'terraform', [args[0]!, '-no-color', ...args.slice(1)], { cwd: dir, env });
    try {
      const code = await within(`terraform ${args[0]} in ${dir} to finish`, d.exited, timeoutMs);
      await d.stop();
      return { code, out: d.output() };
    } finally {
      await d.stop('SIGKILL', 2000);
    }
  };
  /** init from the mirror: fails naming the folders searched when no hashicorp/aws is there. */
  const init = async (dir: string): Promise<void> => {
    if (!mirror) throw new Error(`terraform is installed but no unpacked ${AWS} provider is in any of: ${pluginFolders().join(', ')}`);
    const r = await tf(dir, ['init', '-backend=false', '-input=false']);
    if (r.code !== 0) throw new Error(`terraform init in ${dir} failed:\n${r.out}`);
  };
  return { root, tree, tf, init };
}
