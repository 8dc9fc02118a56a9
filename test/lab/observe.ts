/**
 * One lab experiment: open a connection through the middlebox, leave it idle, then send one message
 * in one direction and classify what happened.
 *
 *   client                     middlebox                      server
 *     |--- connect, "<id>\n" ------>|----------------------------->|
 *     |<------------------ "<id>\n" (ack) --------------------------|   ready: idle starts
 *     |               ... idleMs, nothing sent ...                  |
 *     |--- "ping" (outbound) ------>|  or  <--- "push" (inbound) ---|
 *     |               ... up to windowMs for an outcome ...         |
 *
 * Timing accuracy is that of PeerRemote's event stamps (a few ms).
 */
import type { Fate } from './scenarios.js';
import type { PeerEvent, PeerRemote } from './peer-remote.js';

export type Direction = 'outbound' | 'inbound';

export interface Observation {
  id: string;
  direction: Direction;
  fate: Fate;
  /** Idle time actually left before writing, or null if the connection ended during the idle period. */
  idleMs: number | null;
  /** ms from idle start to the first FIN seen by the client / the server, if any. */
  clientFinAfterMs: number | null;
  serverFinAfterMs: number | null;
  /** Error code seen by the side that wrote, if any (ECONNRESET for a reset). */
  writerErrorCode: string | null;
  clientEvents: PeerEvent[];
  serverEvents: PeerEvent[];
}

export interface ObserveOptions {
  client: PeerRemote;
  server: PeerRemote;
  /** "host:port" the client dials. */
  target: string;
  id: string;
  direction: Direction;
  idleMs: number;
  /** How long to wait for an outcome after writing; a silent drop always takes all of it. */
  windowMs: number;
}

/** How long to wait for the second side's FIN once one side saw the connection end. */
const END_GRACE_MS = 1_500;
const ENDING = new Set<PeerEvent['event']>(['fin', 'error', 'close']);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

export async function observeAfterIdle(options: ObserveOptions): Promise<Observation> {
  const { client, server, target, id, direction, idleMs, windowMs } = options;
  const ready = await client.connect(id, target);
  await server.waitFor((e) => e.event === 'accepted' && e.id === id, 5_000, `accept ${id}`);
  const idleStart = ready.atMs;

  // Idle; a middlebox that closes the connection meanwhile (the proxy) ends the idle period early.
  const ended = (peer: PeerRemote): Promise<unknown> =>
    peer
      .waitFor((e) => e.id === id && e.atMs >= idleStart && ENDING.has(e.event), idleMs, 'end during idle')
      .catch(() => undefined);
  await Promise.race([sleep(idleStart + idleMs - performance.now()), ended(client), ended(server)]);
  const endedDuringIdle = [...client.eventsOf(id, idleStart), ...server.eventsOf(id, idleStart)].some((e) =>
    ENDING.has(e.event),
  );

  if (endedDuringIdle) {
    // One leg closed: give the other side's FIN/RST a moment to arrive before looking.
    await Promise.all([ended(client), ended(server)].map((p) => Promise.race([p, sleep(END_GRACE_MS)])));
  }

  let writeAt: number | null = null;
  const text = direction === 'outbound' ? `ping-${id}` : `push-${id}`;
  if (!endedDuringIdle) {
    writeAt = performance.now();
    const [writer, reader] = direction === 'outbound' ? [client, server] : [server, client];
    writer.write(id, text);
    const outcome =
      direction === 'outbound'
        ? // Outbound survives only if the echo made it back too.
          client.waitFor(
            (e) =>
              e.id === id && ((e.event === 'data' && e.text?.includes(text) === true) || ENDING.has(e.event)),
            windowMs,
          )
        : reader.waitFor((e) => e.id === id && e.event === 'data', windowMs);
    const writerEnded = writer.waitFor(
      (e) => e.id === id && e.atMs >= (writeAt ?? 0) && ENDING.has(e.event),
      windowMs,
    );
    const first = await Promise.any([outcome, writerEnded]).catch(() => undefined);
    if (direction === 'outbound' && first?.event === 'data') {
      // The echo came back; the server's own report of the ping travels through another pipe and may trail
      // it.
      await server
        .waitFor((e) => e.id === id && e.event === 'data' && e.text?.includes(text) === true, END_GRACE_MS)
        .catch(() => undefined);
    }
  }

  const clientEvents = client.eventsOf(id, idleStart);
  const serverEvents = server.eventsOf(id, idleStart);
  const firstFin = (events: PeerEvent[]): number | null => {
    const fin = events.find((e) => e.event === 'fin');
    return fin ? fin.atMs - idleStart : null;
  };
  const [writerEvents, readerEvents] =
    direction === 'outbound' ? [clientEvents, serverEvents] : [serverEvents, clientEvents];
  const writerError = writerEvents.find((e) => e.event === 'error');
  const delivered = readerEvents.some((e) => e.event === 'data' && e.text?.includes(text) === true);
  const echoed = clientEvents.some((e) => e.event === 'data' && e.text?.includes(text) === true);
  const anyFin = [...clientEvents, ...serverEvents].some((e) => e.event === 'fin');

  let fate: Fate;
  if (delivered && (direction === 'inbound' || echoed)) fate = 'survives';
  else if (writerError) fate = 'reset';
  else if (anyFin) fate = 'close';
  else if ([...clientEvents, ...serverEvents].some((e) => ENDING.has(e.event))) fate = 'reset';
  else fate = 'silent-drop';

  return {
    id,
    direction,
    fate,
    idleMs: writeAt === null ? null : writeAt - idleStart,
    clientFinAfterMs: firstFin(clientEvents),
    serverFinAfterMs: firstFin(serverEvents),
    writerErrorCode: writerError?.code ?? null,
    clientEvents,
    serverEvents,
  };
}
