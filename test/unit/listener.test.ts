/**
 * src/http/listener.ts: how refused connections are logged (one line when the cap is reached,
 * then one count per window while refusals go on, never one line per socket). The refusals
 * themselves, over real sockets, are in test/hardening/connections.test.ts.
 */
import { DROP_LOG_WINDOW_MS, reportDrops } from '../../src/http/listener';
import { captureLogger } from '../helpers';

afterEach(() => {
  jest.useRealTimers();
});

test('a flood of refusals makes one line, then one count per window; a new flood after a quiet window starts over', () => {
  jest.useFakeTimers();
  const logs = captureLogger();
  const drop = reportDrops({ listener: 'PORT', maxConnections: 1024, limit: 'MAX_CONNECTIONS', logger: logs.logger });
  const messages = () => logs.lines().map((line) => (JSON.parse(line) as { msg: string }).msg);

  drop();
  expect(messages()).toEqual(['PORT: 1024 connections open, the limit (MAX_CONNECTIONS): new connections are refused until some close']);
  for (let i = 0; i < 500; i += 1) drop();
  expect(messages()).toHaveLength(1);

  jest.advanceTimersByTime(DROP_LOG_WINDOW_MS);
  expect(messages()).toHaveLength(2);
  expect(logs.lines().map((line) => JSON.parse(line) as Record<string, unknown>)[1]).toMatchObject({
    level: 40,
    listener: 'PORT',
    maxConnections: 1024,
    refused: 500,
    msg: 'PORT: 500 more connections refused in the last 10 s, at the limit of 1024 open (MAX_CONNECTIONS)',
  });

  drop();
  drop();
  jest.advanceTimersByTime(DROP_LOG_WINDOW_MS);
  expect(messages()[2]).toBe('PORT: 2 more connections refused in the last 10 s, at the limit of 1024 open (MAX_CONNECTIONS)');

  // A quiet window: nothing to say, and the next refusal is news again.
  jest.advanceTimersByTime(DROP_LOG_WINDOW_MS * 3);
  expect(messages()).toHaveLength(3);
  drop();
  expect(messages()).toHaveLength(4);
  expect(messages()[3]).toContain('the limit (MAX_CONNECTIONS): new connections are refused');
});
