/**
 * The admission limits' defaults and the open-file limit they are sized from
 * (reflector/admission-limits.ts): pure, with /proc/self/limits given as text.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  DEFAULT_MAX_PROBES_PER_SESSION,
  DEFAULT_MAX_SESSIONS_PER_ADDRESS,
  DEFAULT_OPEN_FILES,
  DEFAULT_UNATTACHED_GRACE_MS,
  parseOpenFiles,
  readOpenFiles,
  resolveAdmissionLimits,
} from '../../reflector/admission-limits.js';
import { MAX_PROBES_PER_SESSION } from '../../protocol/wire.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                40000                files
Max locked memory         8388608              8388608              bytes
`;

describe('the open-file limit', () => {
  it('is the soft limit of /proc/self/limits', () => {
    expect(parseOpenFiles(LIMITS), 'soft, not hard').toBe(20000);
    expect(
      readOpenFiles(() => LIMITS),
      'and where it came from',
    ).toEqual({
      limit: 20000,
      source: '/proc/self/limits',
    });
  });

  it('falls back to the documented default where it cannot be read or parsed', () => {
    const missing = (): string => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    };
    expect(readOpenFiles(missing), 'no /proc (not Linux)').toEqual({
      limit: DEFAULT_OPEN_FILES,
      source: 'default',
    });
    expect(
      readOpenFiles(() => 'Max open files unlimited unlimited files\n'),
      'unlimited',
    ).toEqual({
      limit: DEFAULT_OPEN_FILES,
      source: 'default',
    });
    expect(parseOpenFiles('nothing here'), 'no line').toBeNull();
  });

  it.runIf(process.platform === 'linux')('is read from this process on Linux', () => {
    const read = readOpenFiles();
    expect(read.source, 'read, not assumed').toBe('/proc/self/limits');
    expect(read.limit, 'a real limit').toBeGreaterThan(0);
  });
});

describe('resolveAdmissionLimits', () => {
  it('sizes the total from the open-file limit, less a reserve and a headroom', () => {
    expect(resolveAdmissionLimits({ openFiles: 20000 }), '20000 files').toMatchObject({
      fdReserve: 1024,
      connectionHeadroom: 256,
      maxConnections: 20000 - 1024 - 256,
      warnings: [],
    });
    expect(resolveAdmissionLimits({ openFiles: 65536 }).maxConnections, 'LimitNOFILE=65536').toBe(
      65536 - 1024 - 256,
    );
    // A small limit keeps a tenth as reserve (at least 64) and a quarter of the rest as headroom.
    expect(resolveAdmissionLimits({ openFiles: 1024 }), 'ulimit -n 1024').toMatchObject({
      fdReserve: 102,
      connectionHeadroom: 230,
      maxConnections: 1024 - 102 - 230,
    });
  });

  it('has the documented defaults for the other limits', () => {
    expect(resolveAdmissionLimits({ openFiles: 20000 }), 'defaults').toMatchObject({
      maxSessionsPerAddress: DEFAULT_MAX_SESSIONS_PER_ADDRESS,
      maxConnectionsPerAddress: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
      maxProbesPerSession: DEFAULT_MAX_PROBES_PER_SESSION,
      unattachedGraceMs: DEFAULT_UNATTACHED_GRACE_MS,
    });
    expect(DEFAULT_MAX_PROBES_PER_SESSION * 16, 'far below the protocol ceiling').toBeLessThanOrEqual(
      MAX_PROBES_PER_SESSION,
    );
  });

  it('takes what it is given, warns of a total past the open files, caps probes at the protocol', () => {
    const limits = resolveAdmissionLimits({ openFiles: 1000, fdReserve: 100, maxConnections: 5000 });
    expect(limits.maxConnections, 'given').toBe(5000);
    expect(limits.warnings, 'the warning says why').toEqual([
      expect.stringMatching(/above what the open-file limit allows/),
    ]);
    expect(
      resolveAdmissionLimits({ openFiles: 1000, maxProbesPerSession: 1_000_000 }).maxProbesPerSession,
      'a resumed welcome must list every probe',
    ).toBe(MAX_PROBES_PER_SESSION);
  });
});
