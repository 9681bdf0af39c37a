/**
 * Entry point: reads the configuration, starts the embedded sandbox when ZOHO_API_URL is not set,
 * starts the gateway, and stops both cleanly on SIGTERM/SIGINT: the gateway stops accepting,
 * lets in-flight operations finish (at most SHUTDOWN_GRACE_MS), and the process exits 0.
 */
import { ConfigError, loadConfig } from './config';
import { startEmbeddedSandbox, type EmbeddedSandbox } from '../sandbox/embedded';
import { createLogger } from './observability/logger';
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
    { logger, ...(embedded && { landingPage: embedded.landingPage, upstreamName: 'embedded sandbox' }) },
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

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    gateway
      .stop()
      .then(() => embedded?.sandbox.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'error while shutting down');
          process.exit(1);
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
    gateway.stop().finally(() => process.exit(1));
  });
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : String(error instanceof Error ? error.stack : error);
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
