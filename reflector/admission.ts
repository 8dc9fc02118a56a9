/**
 * Admission: who may open one more socket, session or probe (issue 11). It counts accepted sockets
 * per address group (address-group.ts) and in all, and live sessions per address group, and says
 * no with a reason and plain words; the reflector acts on the verdict (destroys the socket, or
 * sends the words as an `error` message), counts and logs it (refusal.ts).
 *
 * Where each limit bites, and why there:
 * - At accept, before a byte is read: a socket past maxConnections + headroom in all, or past
 *   maxConnectionsPerAddress + ADDRESS_HEADROOM from its address, is destroyed. Cheapest, but the
 *   peer gets no words: only a flood of undecided sockets ever reaches it, and at the total cap the
 *   reflector first displaces the oldest undecided socket to let the new one in (admitAtAccept).
 * - At a probe hello whose MAC checked out: a probe past maxConnections or past its address's
 *   limit is refused, and its session is told why on its control channel.
 * - At a session hello that proved the token: the same two, plus maxSessionsPerAddress. Because
 *   probes stop at maxConnections and the headroom above it is left for control channels, a new
 *   client at the cap is told in words that the reflector is full instead of being reset.
 *
 * Owns no timer and no socket: a Map from each accepted socket to its group until the reflector
 * says it closed, and counts. Nothing here reads or writes a socket (remoteAddress is read once at
 * accept), so admission never disturbs an idle probe.
 */
import type { Socket } from 'node:net';
import type { SessionId } from '../protocol/wire.js';
import { addressGroup } from './address-group.js';
import { ADDRESS_HEADROOM, type AdmissionLimits } from './admission-limits.js';
import { ipOf } from './remote-address.js';

/** The refusals admission makes; each is also a protocol error code a client can be told. */
export type AdmissionRefusal =
  'too-many-connections' | 'too-many-connections-per-address' | 'too-many-sessions-per-address';

/**
 * null: admitted. Otherwise the reason and what to tell the peer: `message`, or before auth, when
 * the peer has not sent enough bytes to pay for it (pre-auth-budget.ts), `short`.
 */
export type AdmissionVerdict = null | { reason: AdmissionRefusal; message: string; short: string };

export class Admission {
  /** The group of every socket counted, until connectionClosed(). */
  private readonly groupOfSocket = new Map<Socket, string>();
  private readonly socketsOfGroup = new Map<string, number>();
  private readonly groupOfSession = new Map<SessionId, string>();
  private readonly sessionsOfGroup = new Map<string, number>();

  constructor(readonly limits: AdmissionLimits) {}

  /** Sockets counted now. */
  get connections(): number {
    return this.groupOfSocket.size;
  }

  /**
   * A socket was just accepted: counted and null, or a verdict (not counted: destroy it now). Its
   * peer's address is read here, once, because a destroyed socket no longer knows it.
   */
  admitConnection(socket: Socket): AdmissionVerdict {
    const group = addressGroup(socket.remoteAddress ?? '?');
    const { maxConnections, connectionHeadroom, maxConnectionsPerAddress } = this.limits;
    if (this.groupOfSocket.size >= maxConnections + connectionHeadroom) return this.full();
    if ((this.socketsOfGroup.get(group) ?? 0) >= maxConnectionsPerAddress + ADDRESS_HEADROOM)
      return this.addressFull(group);
    this.groupOfSocket.set(socket, group);
    bump(this.socketsOfGroup, group, 1);
    return null;
  }

  /**
   * admitConnection(), except that at the total cap `oldestUndecided` (the oldest accepted socket
   * still without a complete hello, if any) is uncounted to make room: `displaced`, for the caller
   * to destroy. So sockets that send nothing cannot keep new clients out: a flood of them would
   * have to outpace a client's own handshake.
   */
  admitAtAccept(
    socket: Socket,
    oldestUndecided: Socket | undefined,
  ): { verdict: AdmissionVerdict; displaced: Socket | null } {
    const verdict = this.admitConnection(socket);
    if (verdict?.reason !== 'too-many-connections' || oldestUndecided === undefined)
      return { verdict, displaced: null };
    // Only when the newcomer would then be let in: its address may be over its own cap as well.
    const group = addressGroup(socket.remoteAddress ?? '?');
    const sameGroup = this.groupOfSocket.get(oldestUndecided) === group ? 1 : 0;
    const fromGroup = (this.socketsOfGroup.get(group) ?? 0) - sameGroup;
    if (fromGroup >= this.limits.maxConnectionsPerAddress + ADDRESS_HEADROOM)
      return { verdict: this.addressFull(group), displaced: null };
    this.connectionClosed(oldestUndecided);
    return { verdict: this.admitConnection(socket), displaced: oldestUndecided };
  }

  /** An accepted socket closed (safe for one never counted). */
  connectionClosed(socket: Socket): void {
    const group = this.groupOfSocket.get(socket);
    if (group === undefined) return;
    this.groupOfSocket.delete(socket);
    bump(this.socketsOfGroup, group, -1);
  }

  /** A counted socket's probe hello proved its session: may it become a probe? */
  admitProbe(socket: Socket): AdmissionVerdict {
    const group = this.groupOfSocket.get(socket);
    if (group === undefined) return null;
    // This socket is counted already: it is the (count)th, refused when that is past the limit.
    if (this.groupOfSocket.size > this.limits.maxConnections) return this.full();
    if ((this.socketsOfGroup.get(group) ?? 0) > this.limits.maxConnectionsPerAddress)
      return this.addressFull(group);
    return null;
  }

  /** A hello from `remote` (HOST:PORT) proved the token: may it start a session? */
  admitSession(remote: string): AdmissionVerdict {
    const group = addressGroup(ipOf(remote));
    // Its own control channel is counted: refused when the reflector is at or past the probe cap.
    if (this.groupOfSocket.size > this.limits.maxConnections) return this.full();
    if ((this.socketsOfGroup.get(group) ?? 0) > this.limits.maxConnectionsPerAddress)
      return this.addressFull(group);
    const sessions = this.sessionsOfGroup.get(group) ?? 0;
    if (sessions >= this.limits.maxSessionsPerAddress)
      return {
        reason: 'too-many-sessions-per-address',
        message: `your address (${group}) already holds ${sessions} sessions (--max-sessions-per-address)`,
        short: 'too many sessions from your address',
      };
    return null;
  }

  /** A new session (not a resume) started for `remote`: it counts against its address until it ends. */
  sessionStarted(session: SessionId, remote: string): void {
    if (this.groupOfSession.has(session)) return;
    const group = addressGroup(ipOf(remote));
    this.groupOfSession.set(session, group);
    bump(this.sessionsOfGroup, group, 1);
  }

  sessionEnded(session: SessionId): void {
    const group = this.groupOfSession.get(session);
    if (group === undefined) return;
    this.groupOfSession.delete(session);
    bump(this.sessionsOfGroup, group, -1);
  }

  private full(): AdmissionVerdict {
    return {
      reason: 'too-many-connections',
      message: `this reflector is at its connection limit (${this.limits.maxConnections})`,
      short: 'reflector full: try again later',
    };
  }

  private addressFull(group: string): AdmissionVerdict {
    return {
      reason: 'too-many-connections-per-address',
      message:
        `your address (${group}) holds ${this.limits.maxConnectionsPerAddress} connections ` +
        '(--max-connections-per-address)',
      short: 'too many connections from your address',
    };
  }
}

/** Adds `by` to `key`'s count, removing the key at 0 so that the maps hold only live groups. */
function bump(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}
