/**
 * Sessions that never attached a probe give their slot back soon after their control channel drops
 * (the unattached grace, 5 s by default), not after the 120 s resume grace; and the lockout of
 * issue 11 is gone: on main one client took all 256 sessions in 0.6 s and everyone else was refused
 * until 122 s after it left. Real sockets on loopback, the reflector at its default limits.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_UNATTACHED_GRACE_MS } from '../../reflector/admission-limits.js';
import { MAX_SESSIONS, SESSION_RESUME_GRACE_MS } from '../../protocol/wire.js';
import type { SessionEndInfo } from '../../reflector/reflector.js';
import { helloFrom, probeFrom, sessionFrom } from './admission-helpers.js';
import { sleep, startReflector, useTeardown, waitFor } from './helpers.js';
import { DEFAULT_MAX_SESSIONS_PER_ADDRESS } from '../../reflector/admission-limits.js';

/** Margin over the grace for the timer and the close to be noticed, on a loaded machine. */
const MARGIN_MS = 1500;

describe('the unattached grace', () => {
  const defer = useTeardown();

  it('releases a session that never attached a probe after the short grace, not the long one', async () => {
    const { reflector, address } = await startReflector(defer);
    const ends: SessionEndInfo[] = [];
    reflector.on('session-end', (info) => ends.push(info));
    const bare = await sessionFrom(defer, address, '127.0.0.2');
    const withProbe = await sessionFrom(defer, address, '127.0.0.3');
    await probeFrom(defer, address, '127.0.0.3', withProbe.control, withProbe.session, 1);

    const droppedAt = performance.now();
    bare.control.ws.terminate();
    withProbe.control.ws.terminate();
    await waitFor('both control channels to be noticed gone', () => reflector.stats().controls === 0);
    await waitFor(
      'the probe-less session to end',
      () => ends.length === 1,
      DEFAULT_UNATTACHED_GRACE_MS + MARGIN_MS,
    );
    const releasedMs = performance.now() - droppedAt;
    expect(releasedMs, 'not before the grace').toBeGreaterThanOrEqual(DEFAULT_UNATTACHED_GRACE_MS - 50);
    expect(ends[0], 'the session without probes, and why').toMatchObject({
      session: bare.session.session,
      reason: 'unattached grace expired',
    });
    expect(reflector.stats(), 'the session with a probe waits for its resume').toMatchObject({
      sessions: 1,
      probes: 1,
    });
    expect(SESSION_RESUME_GRACE_MS, 'whose grace is far longer').toBeGreaterThan(
      20 * DEFAULT_UNATTACHED_GRACE_MS,
    );
  });

  it('locks no one out: one address gets its share, and 256 dropped slots come back in seconds', async () => {
    const { reflector, address } = await startReflector(defer);
    // One address can no longer take every session.
    const greedy = [];
    for (let i = 0; i < DEFAULT_MAX_SESSIONS_PER_ADDRESS; i++)
      greedy.push(await sessionFrom(defer, address, '127.0.0.2'));
    expect(await helloFrom(defer, address, '127.0.0.2'), 'its next one is refused').toMatchObject({
      ok: false,
      code: 'too-many-sessions-per-address',
    });
    expect((await helloFrom(defer, address, '127.0.0.1')).ok, 'while another address is served').toBe(true);

    // With enough addresses (16 x 16 = 256) the slots can all be taken, then the client leaves.
    const rest = [];
    for (let a = 3; reflector.stats().sessions < MAX_SESSIONS; a++)
      for (let i = 0; i < DEFAULT_MAX_SESSIONS_PER_ADDRESS && reflector.stats().sessions < MAX_SESSIONS; i++)
        rest.push(await sessionFrom(defer, address, `127.0.0.${a}`));
    expect(await helloFrom(defer, address, '127.0.0.200'), 'full').toMatchObject({
      ok: false,
      code: 'too-many-sessions',
    });
    const leftAt = performance.now();
    for (const s of [...greedy, ...rest]) s.control.ws.terminate();
    await waitFor('the channels to be noticed gone', () => reflector.stats().controls <= 1);

    // An honest client keeps trying, as a person would; it is served once the grace has passed.
    let served = false;
    while (!served && performance.now() - leftAt < DEFAULT_UNATTACHED_GRACE_MS + MARGIN_MS) {
      served = (await helloFrom(defer, address, '127.0.0.201')).ok;
      if (!served) await sleep(250);
    }
    const lockedOutMs = performance.now() - leftAt;
    expect(served, `served ${Math.round(lockedOutMs)} ms after the client left`).toBe(true);
    expect(lockedOutMs, 'locked out for about the grace, not the 122 s of the resume grace').toBeLessThan(
      DEFAULT_UNATTACHED_GRACE_MS + MARGIN_MS,
    );
    await waitFor('every dropped session released', () => reflector.stats().sessions === 2);
  }, 30_000);
});
