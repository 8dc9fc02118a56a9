/**
 * A per-key (per source IP) log line budget: at most `maxLines` lines per key in each window of
 * `windowMs`, fixed windows starting at a key's first line. Lines over budget are not written but
 * counted by event, and taken together by summary(), so the log still says what it left out.
 *
 * Pure: the caller passes `nowMs` (a monotonic clock) to every call; nothing here reads a clock or
 * holds a timer. Memory is bounded: at most `maxKeys` keys are tracked; once full (after forgetting
 * keys whose window is over), new keys share one overflow key, itself held to the same budget, so a
 * client rotating through addresses cannot grow the map or the log.
 */

export interface LogRateLimiterOptions {
  /** Lines allowed per key per window. */
  maxLines: number;
  windowMs: number;
  /** Keys tracked at once, at most. */
  maxKeys: number;
}

/** What was left out since the last summary. */
export interface SuppressedSummary {
  /** Lines not written, by event name. */
  byEvent: Record<string, number>;
  total: number;
  /** Distinct keys that had a line suppressed (the overflow key counts as one). */
  keys: number;
}

/** The key every new key shares once `maxKeys` keys are tracked. */
export const OVERFLOW_KEY = '(other addresses)';

interface Budget {
  windowStartMs: number;
  lines: number;
}

export class LogRateLimiter {
  private readonly budgets = new Map<string, Budget>();
  private suppressed = new Map<string, number>();
  private suppressedKeys = new Set<string>();
  private lastSweepMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: LogRateLimiterOptions) {}

  /** Keys tracked now (for tests of the bound). */
  get trackedKeys(): number {
    return this.budgets.size;
  }

  /** True if a line for `event` from `key` may be written now; otherwise it is counted as suppressed. */
  admit(key: string, event: string, nowMs: number): boolean {
    const budget = this.budgetOf(key, nowMs);
    if (nowMs - budget.windowStartMs >= this.options.windowMs) {
      budget.windowStartMs = nowMs;
      budget.lines = 0;
    }
    if (budget.lines < this.options.maxLines) {
      budget.lines++;
      return true;
    }
    this.suppressed.set(event, (this.suppressed.get(event) ?? 0) + 1);
    this.suppressedKeys.add(this.budgets.get(key) === budget ? key : OVERFLOW_KEY);
    return false;
  }

  /**
   * What was suppressed since the last call (null if nothing), and forgets keys whose window is over,
   * so a summary every window keeps the map to the keys active in the last one.
   */
  summary(nowMs: number): SuppressedSummary | null {
    this.forgetExpired(nowMs);
    if (this.suppressed.size === 0) return null;
    const byEvent: Record<string, number> = {};
    let total = 0;
    for (const [event, count] of [...this.suppressed].sort(([a], [b]) => a.localeCompare(b))) {
      byEvent[event] = count;
      total += count;
    }
    const summary = { byEvent, total, keys: this.suppressedKeys.size };
    this.suppressed = new Map();
    this.suppressedKeys = new Set();
    return summary;
  }

  private budgetOf(key: string, nowMs: number): Budget {
    const known = this.budgets.get(key);
    if (known !== undefined) return known;
    // Sweeping is O(keys): when full, at most once a window, not on every line of a rotating client.
    if (this.budgets.size >= this.options.maxKeys && nowMs - this.lastSweepMs >= this.options.windowMs) {
      this.forgetExpired(nowMs);
    }
    const useKey = this.budgets.size >= this.options.maxKeys ? OVERFLOW_KEY : key;
    const shared = this.budgets.get(useKey);
    if (shared !== undefined) return shared;
    const fresh = { windowStartMs: nowMs, lines: 0 };
    // The overflow key may exceed maxKeys by one: it is the bound's own bucket.
    this.budgets.set(useKey, fresh);
    return fresh;
  }

  private forgetExpired(nowMs: number): void {
    this.lastSweepMs = nowMs;
    for (const [key, budget] of this.budgets) {
      if (nowMs - budget.windowStartMs >= this.options.windowMs) this.budgets.delete(key);
    }
  }
}
