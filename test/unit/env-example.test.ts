/**
 * `.env.example` lists every setting the gateway reads (config.ts's CONFIG_VARIABLES), and names
 * nothing it does not read (besides the proxy and CA variables read by the HTTP client and Node);
 * the values it shows are accepted by loadConfig and are the documented defaults.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config';

const READ_BY_OTHERS = ['HTTPS_PROXY', 'NO_PROXY', 'NODE_EXTRA_CA_CERTS'];

/** Every `NAME=value` line, commented out or not. */
function settings(): Array<{ name: string; value: string; commented: boolean }> {
  const text = readFileSync(path.join(__dirname, '..', '..', '.env.example'), 'utf8');
  return [...text.matchAll(/^(# )?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((match) => ({
    name: match[2] as string,
    value: match[3] as string,
    commented: match[1] !== undefined,
  }));
}

test('.env.example names every variable config.ts reads, and no other', () => {
  const named = settings().map((setting) => setting.name);
  expect([...new Set(named)].sort()).toEqual([...CONFIG_VARIABLES, ...READ_BY_OTHERS].sort());
  expect(named.length).toBe(new Set(named).size);
});

test("its values are valid, and a commented-out value is that variable's default", () => {
  const all = settings().filter((setting) => !READ_BY_OTHERS.includes(setting.name));
  const uncommented = Object.fromEntries(all.filter((s) => !s.commented).map((s) => [s.name, s.value]));
  const everything = Object.fromEntries(all.map((s) => [s.name, s.value]));
  // What an operator gets by copying the file as it is, and with every line uncommented.
  const asShipped = loadConfig(uncommented);
  expect(asShipped.nodeEnv).toBe('production');
  expect(() => loadConfig(everything)).not.toThrow();
  // These have no default: the file shows an example of each.
  const examples = ['CORS_ORIGINS', 'APOLLO_KEY', 'APOLLO_GRAPH_REF', 'REDIS_URL'];
  const defaults = all.filter((s) => s.commented && !examples.includes(s.name));
  expect(defaults.length).toBeGreaterThan(15);
  for (const setting of defaults) {
    // Uncommenting a default changes nothing.
    expect({ name: setting.name, config: loadConfig({ ...uncommented, [setting.name]: setting.value }) }).toEqual({ name: setting.name, config: asShipped });
  }
});
