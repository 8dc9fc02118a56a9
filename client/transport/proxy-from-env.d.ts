/** proxy-from-env 2.x ships no types; this is its one export (index.js). */
declare module 'proxy-from-env' {
  /** The proxy URL for `url` from *_PROXY and NO_PROXY, or '' for none. */
  export function getProxyForUrl(url: string | URL): string;
}
