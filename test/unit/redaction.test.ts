/**
 * src/observability/redaction.ts and the logger built on it: tokens, card numbers and routing numbers are found
 * by their shape and masked to their last four digits, in any text and in every log line.
 */
import fc from 'fast-check';
import { containsSecrets, luhnValid, redactSecrets, routingNumberValid } from '../../src/observability/redaction';
import { runInRequestScope } from '../../src/http/request-scope';
import { captureLogger } from '../helpers';

/** 8 random digits and the ninth that makes an ABA checksum pass. */
const routingNumber = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 8, maxLength: 8 }).map((digits) => {
  const weights = [3, 7, 1, 3, 7, 1, 3, 7];
  const sum = digits.reduce((total, digit, index) => total + digit * (weights[index] ?? 0), 0);
  return [...digits, (10 - (sum % 10)) % 10].join('');
});

describe('routing numbers', () => {
  test('the ABA checksum accepts real routing numbers and refuses a changed digit', () => {
    for (const valid of ['021000021', '011000015', '122105155', '110000000']) expect(routingNumberValid(valid)).toBe(true);
    for (const invalid of ['021000022', '123456789', '02100002', '0210000210', 'abcdefghi']) expect(routingNumberValid(invalid)).toBe(false);
  });

  test('any routing number in text is masked to its last four digits', () => {
    fc.assert(
      fc.property(routingNumber, fc.string({ maxLength: 20 }), (number, words) => {
        const text = `routing ${number} ${words.replace(/\d/g, '')}`;
        const safe = redactSecrets(text);
        expect(safe).not.toContain(number);
        expect(safe).toContain(`••••${number.slice(-4)}`);
      }),
    );
  });

  test('other digit runs survive: 9 digits failing the checksum, ids, amounts, times', () => {
    const text = 'id 1987000000724212, account 1000000001, amount 123456789, took 12.5 ms';
    expect(redactSecrets(text)).toBe(text);
    expect(containsSecrets(text)).toBe(false);
  });
});

describe('cards and tokens', () => {
  test('a card number (plain, grouped by spaces or dashes) and tokens are masked', () => {
    expect(redactSecrets('card 4111 1111 1111 1111 declined')).toBe('card ••••1111 declined');
    expect(redactSecrets('card 5555-5555-5555-4444.')).toBe('card ••••4444.');
    expect(redactSecrets('Authorization: Zoho-oauthtoken abc.DEF-123, retry')).toBe('Authorization: Zoho-oauthtoken [Redacted], retry');
    expect(redactSecrets('token 1000.0123456789abcdef.fedcba9876543210 expired')).toBe('token [Redacted] expired');
    expect(redactSecrets('my secret is s3cr3t-value!', ['s3cr3t-value'])).toBe('my secret is [Redacted]!');
    expect(luhnValid('4111111111111111')).toBe(true);
  });
});

describe('the logger', () => {
  test('every string of a line is redacted: the message, values, nested values, arrays and errors', () => {
    const { logger, lines } = captureLogger();
    logger.info(
      {
        note: 'pan 4111-1111-1111-1111',
        nested: { deeper: ['routing 021000021', 'Zoho-oauthtoken 1000.aaaaaaaa11.bbbbbbbb22'] },
        err: new Error('declined 4242424242424242'),
        other: new TypeError('card 5555555555554444'),
      },
      'message with 4000056655665556 and %s',
      'an argument with 011000015',
    );
    const [line] = lines();
    expect(line).toBeDefined();
    for (const secret of ['4111', '021000021', '1000.aaaaaaaa11', '4242424242424242', '5555555555554444', '4000056655665556', '011000015']) {
      expect(line?.replace(/••••\d{4}/g, '')).not.toContain(secret);
    }
    const parsed = JSON.parse(line ?? '{}') as Record<string, { type?: string; message?: string }>;
    expect(parsed['err']).toMatchObject({ type: 'Error', message: 'declined ••••4242' });
    expect(parsed['other']).toMatchObject({ type: 'TypeError', message: 'card ••••4444' });
    expect(parsed['msg']).toBe('message with ••••5556 and an argument with ••••0015');
  });

  test('fields named like secrets are replaced whatever their value', () => {
    const { logger, lines } = captureLogger();
    logger.info({ authorization: 'anything', headers: { authorization: 'x' }, routing_number: '1', account_number: '2', card: { number: '3' } }, 'm');
    expect(JSON.parse(lines()[0] ?? '{}')).toMatchObject({
      authorization: '[Redacted]',
      headers: { authorization: '[Redacted]' },
      routing_number: '[Redacted]',
      account_number: '[Redacted]',
      card: { number: '[Redacted]' },
    });
  });

  test("an ioredis error's command (AUTH's arguments hold the Redis password) is replaced, the rest of the error kept", () => {
    const { logger, lines } = captureLogger();
    const error = Object.assign(new Error('WRONGPASS invalid username-password pair'), { command: { name: 'auth', args: ['gateway', 'redis-pa55word'] } });
    logger.error({ err: error }, 'redis failed');
    expect(lines()[0]).not.toContain('redis-pa55word');
    expect(JSON.parse(lines()[0] ?? '{}')).toMatchObject({ err: { message: 'WRONGPASS invalid username-password pair', command: '[Redacted]' } });
  });

  test('fields named like secrets are replaced at any depth and inside arrays; other fields named "number" stay', () => {
    const { logger, lines } = captureLogger();
    logger.info(
      {
        upstream: { request: { headers: { authorization: 'Zoho-oauthtoken x' } } },
        calls: [{ token: 't', attempt: { routingNumber: '110000000', accountNumber: '000123456789' } }],
        wallet: { cards: [{ card: { number: '4111111111111111', last4: '1111' } }] },
        page: { number: 3 },
      },
      'm',
    );
    expect(JSON.parse(lines()[0] ?? '{}')).toMatchObject({
      upstream: { request: { headers: { authorization: '[Redacted]' } } },
      calls: [{ token: '[Redacted]', attempt: { routingNumber: '[Redacted]', accountNumber: '[Redacted]' } }],
      wallet: { cards: [{ card: { number: '[Redacted]', last4: '1111' } }] },
      page: { number: 3 },
    });
  });

  test('text with no digit and no token marker is returned as it is, and a secret of any shape is still masked', () => {
    expect(redactSecrets('retrievePaymentMethod GET ok')).toBe('retrievePaymentMethod GET ok');
    expect(redactSecrets('caller sandbox_full failed', ['sandbox_full'])).toBe('caller [Redacted] failed');
    expect(redactSecrets('Zoho-OAuthToken abc')).toBe('Zoho-oauthtoken [Redacted]');
  });

  test('a line written inside a request scope carries its request id; outside, none', () => {
    const { logger, lines } = captureLogger();
    runInRequestScope({ requestId: 'req-42' }, () => logger.info('inside'));
    logger.info('outside');
    const [inside, outside] = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(inside).toMatchObject({ requestId: 'req-42', msg: 'inside' });
    expect(outside).not.toHaveProperty('requestId');
  });
});
