/**
 * What `npm publish` would ship, from `npm pack --dry-run --json` (which runs `prepare`, the clean
 * build, as publishing does): the LICENSE that package.json's "MIT" promises, the launcher and
 * what it imports, the JSON Schemas, no tests or benches, and no source map pointing at a source
 * the package does not hold (tsconfig.build.json emits none; a map that appears must resolve).
 * Slow-ish: the build takes 10-25 s on this machine under load.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

const run = promisify(execFile);

interface PackedFile {
  path: string;
  size: number;
}

let files: string[] = [];

beforeAll(async () => {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json'], {
    cwd: REPO_ROOT,
    timeout: 170_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [pack] = JSON.parse(stdout) as { files: PackedFile[] }[];
  files = (pack?.files ?? []).map((f) => f.path);
}, 180_000);

describe('the npm package', () => {
  it('ships the MIT LICENSE that package.json names', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license, 'package.json').toBe('MIT');
    expect(files, 'LICENSE is packed').toContain('LICENSE');
    expect(readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8'), 'an MIT licence').toMatch(/^MIT License\n/);
  });

  it('ships the launcher, the module it imports, and the report schemas', () => {
    expect(files, 'the bin').toContain('bin/idlescope.js');
    const launcher = readFileSync(join(REPO_ROOT, 'bin/idlescope.js'), 'utf8');
    const target = /import '\.\.\/(dist\/[^']+)'/.exec(launcher)?.[1];
    expect(target, 'the launcher imports dist/').toBe('dist/client/cli/main.js');
    expect(files, 'what the launcher imports').toContain(target);
    expect(files, 'the emulator worker the demo starts').toContain('dist/client/demo/emulator-worker.js');
    expect(files).toEqual(
      expect.arrayContaining(['schema/report.schema.json', 'schema/verify-report.schema.json']),
    );
  });

  it('ships no tests, benches or TypeScript sources', () => {
    expect(
      files.filter((f) => /^(test|bench)\//.test(f)),
      'tests or benches',
    ).toEqual([]);
    expect(
      files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
      'TypeScript sources',
    ).toEqual([]);
  });

  it('ships no source map whose sources it does not ship', () => {
    const maps = files.filter((f) => f.endsWith('.map'));
    const dangling: string[] = [];
    for (const map of maps) {
      const parsed = JSON.parse(readFileSync(join(REPO_ROOT, map), 'utf8')) as {
        sources: string[];
        sourceRoot?: string;
      };
      for (const source of parsed.sources) {
        const path = normalize(join(dirname(map), parsed.sourceRoot ?? '', source));
        if (!files.includes(path)) dangling.push(`${map} -> ${path}`);
      }
    }
    expect(dangling, `maps pointing outside the package (of ${maps.length} maps)`).toEqual([]);
    // The build emits none today (tsconfig.build.json); stale ones from older builds are removed by it.
    expect(maps, 'no maps at all').toEqual([]);
    expect(existsSync(join(REPO_ROOT, 'dist/client/cli/main.js.map')), 'none left in dist/').toBe(false);
  });
});
