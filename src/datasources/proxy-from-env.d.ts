// proxy-from-env 2 ships no type declarations; this is its one export, as its README documents.
declare module 'proxy-from-env' {
  /** The proxy URL for `url` from *_PROXY / NO_PROXY in `process.env`, or '' for none. */
  export function getProxyForUrl(url: string | URL): string;
}
