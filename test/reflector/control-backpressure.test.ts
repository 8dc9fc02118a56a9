/** ControlBackpressure on fake timers and a fake socket: pause, resume on drain, and both overflows. */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ControlBackpressure } from '../../reflector/control-backpressure.js';

const LIMITS = { controlPauseBytes: 1000, controlHardBytes: 5000, controlDrainMs: 2000 };

function setup() {
  const socket = new EventEmitter();
  const calls: string[] = [];
  const bp = new ControlBackpressure(socket, LIMITS, {
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
    overflow: () => calls.push('overflow'),
  });
  return { socket, calls, bp };
}

describe('ControlBackpressure', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('pauses over the pause bytes and resumes when the socket drains', () => {
    const { socket, calls, bp } = setup();
    bp.afterSend(1000);
    expect(calls, 'at the cap: still flowing').toEqual([]);
    bp.afterSend(1001);
    bp.afterSend(1500);
    expect(calls, 'paused once').toEqual(['pause']);
    expect(bp.paused).toBe(true);
    socket.emit('drain');
    expect(calls).toEqual(['pause', 'resume']);
    vi.advanceTimersByTime(LIMITS.controlDrainMs * 2);
    expect(calls, 'the drain deadline was cleared').toEqual(['pause', 'resume']);
    expect(socket.listenerCount('drain'), 'no listener left').toBe(0);
  });

  it('overflows when a pause lasts the drain time, once', () => {
    const { calls, bp, socket } = setup();
    bp.afterSend(2000);
    vi.advanceTimersByTime(LIMITS.controlDrainMs - 1);
    expect(calls).toEqual(['pause']);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['pause', 'overflow']);
    socket.emit('drain');
    bp.afterSend(9999);
    expect(calls, 'nothing after the overflow').toEqual(['pause', 'overflow']);
  });

  it('overflows at once past the hard cap, and stop() silences it', () => {
    const first = setup();
    first.bp.afterSend(5001);
    expect(first.calls).toEqual(['overflow']);
    const second = setup();
    second.bp.afterSend(2000);
    second.bp.stop();
    vi.advanceTimersByTime(LIMITS.controlDrainMs * 2);
    expect(second.calls).toEqual(['pause']);
    expect(second.socket.listenerCount('drain')).toBe(0);
  });
});
