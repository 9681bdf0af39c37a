/**
 * The Kubernetes examples of docs/operations.md (docs/deploy/kubernetes/) against the gateway
 * they deploy: nothing here runs Kubernetes, so what can drift is checked where it is written.
 * Every variable they set is a setting the gateway reads, and its value is one it accepts; the
 * ports and probe paths are the gateway's; the pod's grace period covers the preStop sleep and
 * the drain the settings give; Redis never evicts and its ACL user reaches exactly the prefix the
 * gateway's keys carry.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config';

const DIR = path.join(__dirname, '..', '..', 'docs', 'deploy', 'kubernetes');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

function documents(file: string): Doc[] {
  return parseAllDocuments(fs.readFileSync(path.join(DIR, file), 'utf8')).map((doc) => {
    expect(doc.errors).toEqual([]);
    return doc.toJS() as Doc;
  });
}

const gateway = documents('gateway.yaml');
const redis = documents('redis.yaml');
const ofKind = (docs: Doc[], kind: string): Doc => {
  const found = docs.find((doc) => doc['kind'] === kind);
  expect(found).toBeDefined();
  return found!;
};
const deployment = ofKind(gateway, 'Deployment');
const container = deployment['spec']['template']['spec']['containers'][0] as Doc;
const secret = ofKind(gateway, 'Secret');

/** The gateway's environment as the Deployment gives it, secrets read from the example Secret. */
function environment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of container['env'] as Doc[]) {
    const fromSecret = entry['valueFrom']?.['secretKeyRef'];
    env[entry['name']] = fromSecret ? secret['stringData'][fromSecret['key']] : String(entry['value']);
  }
  return env;
}

test('every variable the Deployment sets is a setting of the gateway, and the gateway accepts their values', () => {
  const env = environment();
  for (const name of Object.keys(env)) expect(CONFIG_VARIABLES).toContain(name);
  const config = loadConfig(env);
  expect(config.nodeEnv).toBe('production');
  expect(config.redis).toMatchObject({ host: 'redis', port: 6379, username: 'gateway', keyPrefix: 'zoho-gateway:' });
});

test("its ports are the gateway's defaults, and the probes ask the admin listener's /readyz and /healthz", () => {
  const config = loadConfig(environment());
  const ports = Object.fromEntries((container['ports'] as Doc[]).map((port) => [port['name'], port['containerPort']]));
  expect(ports).toEqual({ graphql: config.http.port, admin: config.http.adminPort });
  expect(container['readinessProbe']['httpGet']).toEqual({ path: '/readyz', port: 'admin' });
  expect(container['livenessProbe']['httpGet']).toEqual({ path: '/healthz', port: 'admin' });
  const service = ofKind(gateway, 'Service');
  expect(service['spec']['ports'][0]['targetPort']).toBe('graphql');
});

test('the grace period covers the preStop sleep, SHUTDOWN_DELAY_MS and the drain (SHUTDOWN_GRACE_MS) the settings give', () => {
  const config = loadConfig(environment());
  const sleep = container['lifecycle']['preStop']['exec']['command'] as string[];
  expect(sleep[0]).toBe('sleep');
  const preStopMs = Number(sleep[1]) * 1000;
  const graceMs = deployment['spec']['template']['spec']['terminationGracePeriodSeconds'] * 1000;
  expect(graceMs).toBeGreaterThan(preStopMs + config.http.shutdownDelayMs + config.http.shutdownGraceMs);
  // One de-registration window, not two: the sleep, or the gateway's own delay.
  expect(preStopMs > 0 && config.http.shutdownDelayMs > 0).toBe(false);
});

test('Redis never evicts, and its ACL user reaches exactly the key prefix the gateway uses', () => {
  const redisContainer = ofKind(redis, 'StatefulSet')['spec']['template']['spec']['containers'][0] as Doc;
  const args = redisContainer['args'] as string[];
  expect(args[args.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
  const acl = ofKind(redis, 'Secret')['stringData']['users.acl'] as string;
  const config = loadConfig(environment());
  const user = acl.split('\n').find((line) => line.startsWith(`user ${config.redis!.username} `));
  expect(user).toContain(` ~${config.redis!.keyPrefix}* `);
  expect(user).toContain(` >${config.redis!.password} `);
  expect(acl).toContain('user default off');
});
