/**
 * Entry point: reads the configuration, starts the gateway, and stops it cleanly on SIGTERM/SIGINT.
 */
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { startGateway } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });

  if (!config.zohoApiUrl) {
    // The embedded sandbox (issue #4) will be the default upstream; until it lands, say what to set.
    throw new ConfigError(
      'ZOHO_API_URL is not set. Point it at Zoho Payments, e.g. ZOHO_API_URL=https://payments.zoho.com/api/v1 npm start',
    );
  }

  const gateway = await startGateway(
    {
      zohoApiUrl: config.zohoApiUrl,
      zohoTimeoutMs: config.zohoTimeoutMs,
      nodeEnv: config.nodeEnv,
      logger,
    },
    config.port,
  );
  logger.info({ url: gateway.url, upstream: new URL(config.zohoApiUrl).origin }, `gateway ready at ${gateway.url}`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    gateway.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : String(error instanceof Error ? error.stack : error);
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
