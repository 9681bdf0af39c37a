/**
 * The gateway (the composition root, over real HTTP on a free port) in front of the in-process
 * sandbox of test/sandbox/harness.ts, for a whole test file: the sandbox is reset before each
 * test (the harness), the gateway lives from beforeAll to afterAll. Loopback connections are
 * allowed for the file (nock stays on for everything else).
 */
import nock from 'nock';
import type { SandboxOptions } from '../../sandbox/server';
import { createLogger } from '../../src/observability/logger';
import type { Gateway } from '../../src/server';
import { startTestServer, testConfig } from '../helpers';
import { useSandbox, type Harness } from '../sandbox/harness';
import { LOOPBACK } from './processes';

export interface GatewayOnSandbox {
  /** The sandbox's harness (its origin, store, requests). */
  sandbox: Harness;
  /** The gateway's `/graphql` URL (once beforeAll has run). */
  url: () => string;
}

export function useGatewayOnSandbox(sandboxOptions: Omit<SandboxOptions, 'now'> = {}): GatewayOnSandbox {
  const sandbox = useSandbox(sandboxOptions);
  let gateway: Gateway | undefined;

  beforeAll(async () => {
    nock.enableNetConnect(LOOPBACK);
    gateway = await startTestServer(testConfig({ ZOHO_API_URL: sandbox.sandbox.apiUrl, ZOHO_TIMEOUT_MS: '5000' }), {
      logger: createLogger({ level: 'silent' }),
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    nock.disableNetConnect();
  });

  return {
    sandbox,
    url: () => {
      if (!gateway) throw new Error('the gateway is not started');
      return gateway.url;
    },
  };
}
