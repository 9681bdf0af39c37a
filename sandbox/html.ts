/**
 * The sandbox's HTML pages (the widget, the index): one layout with inline CSS and the headers
 * that keep them self-contained: a strict Content-Security-Policy (nothing loads from anywhere,
 * a script runs only with the page's nonce), no sniffing, no referrer, no caching.
 */
import type { Reply } from './http';
import type { ListedInstrument } from './instruments';

/**
 * `formActionSources`: where the page's forms may post (and be redirected after posting);
 * `frameAncestors`: which pages may frame it (any, unless the widget was told its parent's origin).
 */
export function securityHeaders(nonce: string, formActionSources: string, frameAncestors = '*'): Record<string, string> {
  // A source list is checked by its caller (widget.ts, SAFE_ORIGIN); one that could end a
  // directive or start another is a bug, never a header.
  for (const sources of [formActionSources, frameAncestors]) {
    if (/[;,\r\n]/.test(sources)) throw new Error(`Not a CSP source list: ${JSON.stringify(sources)}`);
  }
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; form-action ${formActionSources}; frame-ancestors ${frameAncestors}; base-uri 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

/** A whole page around `main`, with the headers above. */
export function page(status: number, title: string, main: string, nonce: string, formActionSources: string, frameAncestors = '*'): Reply {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Zoho Payments sandbox</title>
<style>${STYLE}</style>
</head>
<body>${main}
</body>
</html>
`;
  return { status, body: html, headers: securityHeaders(nonce, formActionSources, frameAncestors) };
}

const STYLE = `
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; padding: 1rem; color: #1d2330; background: #fff; }
  main { max-width: 30rem; margin: 0 auto; }
  main.wide { max-width: 60rem; }
  main.wide table { width: 100%; table-layout: fixed; }
  main.wide td { vertical-align: top; overflow-wrap: anywhere; }
  h1 { font-size: 1.25rem; margin: 0 0 .5rem; }
  .field { margin: 0 0 .75rem; }
  label { display: block; font-weight: 600; margin-bottom: .2rem; }
  input, select { box-sizing: border-box; width: 100%; padding: .45rem .55rem; font: inherit; border: 1px solid #9aa3b2; border-radius: 4px; }
  .invalid input, .invalid select { border-color: #b3261e; }
  .error { color: #b3261e; margin: .25rem 0 0; }
  .muted { color: #5b6473; font-size: .85rem; }
  button { font: inherit; padding: .55rem 1.1rem; border: 0; border-radius: 4px; background: #1f5fbf; color: #fff; cursor: pointer; }
  table { border-collapse: collapse; margin-top: .5rem; font-size: .85rem; }
  td, th { border-bottom: 1px solid #dde1e7; padding: .2rem .5rem; text-align: left; }
  code { font-family: ui-monospace, monospace; }
`;

/** Text for HTML (element content and quoted attribute values). */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The test instruments as a table (the widget's and the index's), every cell escaped. */
export function instrumentTable(list: readonly ListedInstrument[], numberHeading: string, id?: string): string {
  const rows = list.map((item) => `<tr><td><code>${esc(item.number)}</code></td><td>${esc(item.outcome)}</td></tr>`).join('');
  return `<table${id ? ` id="${esc(id)}"` : ''}><thead><tr><th>${esc(numberHeading)}</th><th>outcome</th></tr></thead><tbody>${rows}</tbody></table>`;
}
