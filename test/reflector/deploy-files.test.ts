/**
 * The Dockerfile and the systemd unit, read as text: there is no docker daemon or systemd here, so
 * what can be checked is that they say what a public server needs (non-root, health check, exec-form
 * command, file descriptor limit, hardening) and that what they name exists in this repository.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

/** Dockerfile instructions of the last stage, continuation lines joined, comments dropped. */
function lastStage(dockerfile: string): { op: string; args: string }[] {
  const joined = dockerfile
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const instructions = joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.indexOf(' ');
      return { op: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() };
    });
  const from = instructions.map((i) => i.op).lastIndexOf('FROM');
  return instructions.slice(from);
}

/** An exec-form argument list (a JSON array of strings), or null for the shell form. */
function execForm(args: string): string[] | null {
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : null;
  } catch {
    return null;
  }
}

/** The [Service] section of a unit file as key -> every value given (a key may repeat). */
function serviceSection(unit: string): Map<string, string[]> {
  const section = new Map<string, string[]>();
  let current = '';
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      current = line;
      continue;
    }
    if (current !== '[Service]') continue;
    const equals = line.indexOf('=');
    const key = line.slice(0, equals).trim();
    section.set(key, [...(section.get(key) ?? []), line.slice(equals + 1).trim()]);
  }
  return section;
}

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stage = lastStage(dockerfile);
  const one = (op: string): string => {
    const found = stage.filter((i) => i.op === op);
    expect(found.length, `exactly one ${op} in the runtime stage`).toBe(1);
    return found[0]!.args;
  };

  it('runs node:20-slim as a non-root user with production dependencies only', () => {
    expect(one('FROM'), 'base image').toBe('node:20-slim');
    const user = one('USER');
    expect(['root', '0', ''].includes(user.split(':')[0]!), `USER ${user} is not root`).toBe(false);
    const runs = stage.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(
      runs.some((run) => /npm ci\b.*--omit=dev/.test(run)),
      `npm ci --omit=dev in the runtime stage: ${JSON.stringify(runs)}`,
    ).toBe(true);
    const userAt = stage.findIndex((i) => i.op === 'USER');
    const entryAt = stage.findIndex((i) => i.op === 'ENTRYPOINT');
    expect(userAt < entryAt, 'USER comes before the command').toBe(true);
  });

  it('starts the reflector in exec form and checks /healthz on the port it listens on', () => {
    const entrypoint = execForm(one('ENTRYPOINT'));
    const cmd = execForm(one('CMD'));
    expect(entrypoint, 'ENTRYPOINT in exec form').toEqual(['node', 'bin/idlescope.js', 'reflector']);
    expect(cmd, 'CMD in exec form').not.toBeNull();
    const listen = cmd![cmd!.indexOf('--listen') + 1] ?? '';
    const port = /:(\d+)$/.exec(listen)?.[1];
    expect(port, `a --listen port in CMD: ${JSON.stringify(cmd)}`).toBeDefined();
    const healthcheck = one('HEALTHCHECK');
    const check = execForm(healthcheck.slice(healthcheck.indexOf('CMD ') + 4));
    expect(check, 'HEALTHCHECK CMD in exec form').not.toBeNull();
    expect(check!.join(' '), 'the health check hits /healthz on that port').toContain(
      `http://127.0.0.1:${port}/healthz`,
    );
    expect(healthcheck, 'an interval and a timeout').toMatch(/--interval=\d+s .*--timeout=\d+s/);
    expect(one('EXPOSE'), 'the port is exposed').toBe(port);
  });

  it('copies only what exists, and the build context leaves out what the image does not need', () => {
    const sources = dockerfile
      .split('\n')
      .filter((line) => line.startsWith('COPY ') && !line.includes('--from='))
      .flatMap((line) => line.slice(5).trim().split(/\s+/).slice(0, -1));
    expect(sources.length, 'some COPY lines').toBeGreaterThan(3);
    for (const source of sources)
      expect(existsSync(new URL(source, root)), `COPY source ${source}`).toBe(true);
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    for (const path of ['.git', 'node_modules', 'dist']) {
      expect(ignored, `.dockerignore leaves out ${path}`).toContain(path);
    }
  });
});

describe('systemd unit', () => {
  const service = serviceSection(read('deploy/idlescope-reflector.service'));
  const value = (key: string): string | undefined => service.get(key)?.at(-1);

  it('runs the reflector unprivileged, restarted on failure, with a file descriptor limit', () => {
    const dynamic = value('DynamicUser') === 'yes';
    const user = value('User');
    expect(dynamic || (user !== undefined && user !== 'root' && user !== '0'), 'DynamicUser or a user').toBe(
      true,
    );
    expect(value('ExecStart'), 'starts the reflector').toMatch(/ reflector( |$)/);
    expect(value('Restart'), 'Restart').toBe('on-failure');
    expect(Number(value('LimitNOFILE')), 'LimitNOFILE well above the default 1024').toBeGreaterThanOrEqual(
      16_384,
    );
  });

  it('has the hardening directives, and no capability but an optional CAP_NET_BIND_SERVICE', () => {
    const expected: Record<string, string[]> = {
      NoNewPrivileges: ['yes'],
      ProtectSystem: ['strict'],
      ProtectHome: ['yes', 'read-only', 'tmpfs'],
      PrivateTmp: ['yes'],
      PrivateDevices: ['yes'],
      RestrictSUIDSGID: ['yes'],
    };
    for (const [key, allowed] of Object.entries(expected)) {
      expect(allowed, `${key}=${value(key) ?? '(absent)'}`).toContain(value(key));
    }
    for (const key of ['AmbientCapabilities', 'CapabilityBoundingSet']) {
      const given = value(key);
      expect(given === undefined || given === '' || given === 'CAP_NET_BIND_SERVICE', `${key}=${given}`).toBe(
        true,
      );
    }
    expect(value('MemoryDenyWriteExecute'), 'V8 needs W+X pages: not set').toBeUndefined();
  });
});
