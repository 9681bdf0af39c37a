/**
 * Entry point: reads the configuration, starts the embedded sandbox when ZOHO_API_URL is not set,
 * starts the gateway, and drains both on SIGTERM or SIGINT (server.ts, drain.ts): `/readyz` 503
 * at once, serving on for SHUTDOWN_DELAY_MS, then no new connections and in-flight operations
 * finishing (at most SHUTDOWN_GRACE_MS), then the embedded sandbox stops and the process exits 0.
 *
 * A signal during the drain does not cut it short: it is logged and the drain goes on, for at
 * most SHUTDOWN_DELAY_MS + SHUTDOWN_GRACE_MS from the first signal. Orchestrators send SIGTERM
 * once, then SIGKILL after their own grace period; a terminal's Ctrl-C reaches both npm and the
 * gateway, and npm forwards it again. SIGKILL is the way to stop at once.
 */
import { ConfigError, loadConfig } from './config';
import { startEmbeddedSandbox, type EmbeddedSandbox } from '../sandbox/embedded';
import { createLogger, flushLogs } from './observability/logger';
import { ListenError } from './http/listener';
import { createGateway } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });

  const embedded: EmbeddedSandbox | undefined = config.zoho.apiUrl
    ? undefined
    : await startEmbeddedSandbox(config.sandbox.port).catch((error: unknown) => {
        throw new ConfigError(
          `Could not start the embedded sandbox on 127.0.0.1:${config.sandbox.port} (${(error as Error).message}). ` +
            'Set SANDBOX_PORT to a free port (0 picks one), or ZOHO_API_URL to use Zoho.',
        );
      });
  const zohoApiUrl = config.zoho.apiUrl ?? (embedded as EmbeddedSandbox).sandbox.apiUrl;

  const gateway = await createGateway(
    { ...config, zoho: { ...config.zoho, apiUrl: zohoApiUrl } },
    { logger, ...(embedded && { explorer: embedded.explorer, upstreamName: 'embedded sandbox' }) },
  );
  await gateway.listen().catch(async (error: unknown) => {
    await gateway.stop();
    await embedded?.sandbox.close();
    if (!(error instanceof ListenError)) throw error;
    const what = error.setting === 'PORT' ? 'the gateway' : 'the admin listener (/metrics)';
    throw new ConfigError(
      `Could not serve ${what} on port ${error.port} of ${error.host} (${error.cause.message}). Set ${error.setting} to a free port (and HOST to an address of this machine).`,
    );
  });
  logger.info(
    { url: gateway.url, adminUrl: gateway.adminUrl, upstream: embedded ? 'embedded sandbox' : new URL(zohoApiUrl).origin },
    `gateway ready at ${gateway.url}`,
  );
  if (embedded) process.stdout.write(embedded.banner(gateway.url));

  const { shutdownDelayMs, shutdownGraceMs } = config.http;
  if (shutdownGraceMs < 2 * config.zoho.timeoutMs) {
    logger.warn(
      { shutdownGraceMs, zohoTimeoutMs: config.zoho.timeoutMs },
      'SHUTDOWN_GRACE_MS is less than twice ZOHO_TIMEOUT_MS: an update in flight at shutdown (a GET then a PUT to Zoho) may be cut. Unset SHUTDOWN_GRACE_MS (its default fits), or set it to at least twice ZOHO_TIMEOUT_MS',
    );
  }
  let stopping: string | undefined;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.info({ signal }, `${signal} while shutting down (on ${stopping}): the drain goes on; SIGKILL stops the process at once`);
      return;
    }
    stopping = signal;
    logger.info({ signal, shutdownDelayMs, shutdownGraceMs }, 'shutting down');
    gateway
      .drain()
      .then(() => embedded?.sandbox.close())
      .then(
        () => exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'error while shutting down');
          return exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  // The last line of defence: a promise rejected with no one listening is a bug, but one request's
  // bug must not end every other caller's requests. It is logged (redacted) and the process stays.
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection (a bug: please report it)');
  });
  // A thrown exception nobody caught may have left state half-changed: log it, drain, exit 1.
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception: shutting down');
    void gateway.stop().finally(() => exit(1));
  });
}

/** Exits once every log line is out (they are written in batches: logger.ts). */
async function exit(code: number): Promise<never> {
  await flushLogs();
  process.exit(code);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : String(error instanceof Error ? error.stack : error);
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
