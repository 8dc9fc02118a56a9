/**
 * The recommendation's words for a run whose every connection went through a proxy (--proxy or the
 * environment's): through any proxy the timeout found is the proxy's (or the path behind it), and
 * TCP keepalive towards it does not reach the far side (field notes). Pure.
 */

/** The first reason of a run through a proxy: whose timeout it found. */
export function throughProxyReason(proxy: string): string {
  return (
    `Every connection went through the proxy ${proxy}: the timeout found is the whole path's, usually ` +
    "the proxy's own idle timeout for tunnels (or a NAT or firewall behind it), not this network's alone."
  );
}

/** Why, through a proxy, the heartbeat and not TCP keepalive. */
export function proxyKeepaliveReason(proxy: string, heartbeatS: number): string {
  return (
    `TCP keepalive towards a proxy does not keep the far side alive: it refreshes only your connection ` +
    `to ${proxy}, carries no data through the tunnel, and the proxy's own connection onwards stays ` +
    `idle. Use the application heartbeat (every ${heartbeatS} s) instead.`
  );
}
