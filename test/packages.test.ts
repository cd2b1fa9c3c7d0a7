import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const packagesDir = join(root, 'packages');
const packages = readdirSync(packagesDir).filter((name) =>
  existsSync(join(packagesDir, name, 'package.json')),
);

// Every package must be publishable as it stands (issue 2): publint finds packaging mistakes and
// arethetypeswrong checks that the types resolve for ESM and CJS consumers alike. Both read the
// built dist, which `pnpm test` builds first. The `node16` profile: we support Node ≥ 20 and
// TypeScript's node16/nodenext/bundler resolution; `node10` cannot see subpath exports (`./testing`).
describe.each(packages)('package %s', (name) => {
  const dir = join(packagesDir, name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;

  it('has the fields a published package needs', () => {
    expect(manifest.name).toBe(`@rpmsg/${name}`);
    expect(manifest.license).toBe('MIT');
    expect(manifest.engines).toHaveProperty('node');
    expect(manifest.files).toContain('dist');
    expect(existsSync(join(dir, 'README.md'))).toBe(true);
    expect(existsSync(join(dir, 'CHANGELOG.md'))).toBe(true);
  });

  it('passes publint', async () => {
    const { messages, pkg } = await publint({ pkgDir: dir, strict: true, level: 'warning' });
    expect(messages.map((m) => formatMessage(m, pkg))).toEqual([]);
  });

  it('passes arethetypeswrong', async () => {
    const attw = join(root, 'node_modules', '.bin', 'attw');
    const result = await run(
      attw,
      ['--pack', dir, '--profile', 'node16', '--format', 'ascii', '--no-color'],
      { cwd: root },
    ).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
    const problems = result.out.split('\n').filter((line) => !line.includes('(ignored'));
    expect(problems.join('\n'), result.out).not.toMatch(/❌|🐛|⚠️|🥴|💀/u);
    expect(result.code, result.out).toBe(0);
  }, 120_000);
});
