/**
 * How a middlebox shows an eviction, after a connection sat idle past its timeout. One type for the
 * userspace emulator (`idlescope demo`) and the bench's virtual-clock models, so both speak of the
 * same four behaviours (see field notes, "How a Linux NAT really behaves"):
 *
 *   drop   strict NAT (nf_conntrack_tcp_loose=0, invalid dropped): both directions silently lost
 *   reset  NAT with `ct state invalid reject with tcp reset`: the client's next packet gets an RST
 *   close  terminating proxy (haproxy `timeout client/server`): both legs ended with FIN at the timeout
 *   loose  Linux default (nf_conntrack_tcp_loose=1): a client packet re-creates the mapping, a server
 *          packet is answered by an RST and never reaches the client
 *
 * Its own file (types only, no imports) so the bench can use it without loading the emulator.
 */
export type MiddleboxMode = 'drop' | 'reset' | 'close' | 'loose';
