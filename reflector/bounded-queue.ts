/**
 * A FIFO with a hard length limit that drops its OLDEST entry when full. The reflector queues the
 * messages a session would have sent while its control channel was down; a client that stays away
 * long enough must not be able to grow the reflector's memory without bound. What is dropped is
 * counted, so the loss is visible in stats and logs rather than silent.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  /** Entries dropped because the queue was full, since construction. */
  dropped = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`queue limit must be a positive integer, got ${limit}`);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.length >= this.limit) {
      this.head++;
      this.dropped++;
    }
    this.items.push(item);
    // Compact now and then so the array does not keep dropped entries alive forever.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Removes and returns every entry, oldest first. */
  drain(): T[] {
    const out = this.head === 0 ? this.items : this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }
}
