import { describe, expect, it } from 'vitest';
import { AttachLag, RETRANSMITTED_HELLO_EXCESS_MS } from '../../../client/discovery/attach-lag.js';

describe('AttachLag', () => {
  it('corrects nothing until it knows the typical lag', () => {
    const lag = new AttachLag();
    for (let i = 0; i < 5; i++) expect(lag.observe(i === 2 ? 900 : 20), `lag ${i}`).toBe(0);
  });

  it('returns the excess of a lag that stands out from the typical one by a retransmission timeout', () => {
    const lag = new AttachLag();
    for (let i = 0; i < 10; i++) lag.observe(20 + (i % 3));
    expect(lag.observe(21 + 230)).toBe(230);
  });

  it('leaves lags near the typical one alone, however slow the event loop makes them all', () => {
    const lag = new AttachLag();
    for (let i = 0; i < 10; i++) lag.observe(80 + (i % 5) * 5);
    expect(lag.observe(90 + RETRANSMITTED_HELLO_EXCESS_MS - 10)).toBe(0);
    // The typical lag follows a loop that slows down for everyone: 300 ms becomes typical.
    for (let i = 0; i < 40; i++) lag.observe(300);
    expect(lag.observe(320)).toBe(0);
  });

  it('is not fooled by a burst of retransmissions into thinking them typical', () => {
    const lag = new AttachLag();
    for (let i = 0; i < 20; i++) lag.observe(20);
    // A few late ones in a row stay late: the median is still the usual lag.
    for (let i = 0; i < 5; i++) expect(lag.observe(240), `late ${i}`).toBe(220);
  });
});
