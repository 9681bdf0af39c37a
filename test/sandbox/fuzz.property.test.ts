/**
 * The sandbox never fails with its own 500 and never echoes a card number, whatever a client
 * sends: random JSON values (and non-JSON text) as the bodies of every endpoint that takes one,
 * random path segments as ids, and random Authorization headers and account ids. Every reply is
 * one of Zoho's documented statuses with Zoho's error envelope, and the server keeps answering.
 */
import fc from 'fast-check';
import { FIXTURE_CARD, FIXTURE_OPEN_SESSION, useSandbox } from './harness';

const h = useSandbox();

/** Statuses the sandbox documents (sandbox/README.md, Errors); 500 is only for its own bugs. */
const DOCUMENTED = new Set([200, 400, 401, 403, 404, 405, 429]);

/** A Luhn-valid test card that must never come back whole. */
const CARD = '4242424242424242';

/** Random JSON, with the fields the endpoints read mixed in so validation goes deep. */
const fieldNames = fc.constantFrom(
  'customer_id', 'description', 'type', 'card', 'ach_debit', 'billing_address', 'country', 'expiry_month',
  'expiry_year', 'account_holder_type', 'number', 'cvc', 'routing_number', 'account_number', 'currency', '__proto__',
);
const leaf = fc.oneof(
  fc.string(),
  fc.constantFrom('card', 'ach_debit', '01', '13', '30', 'US', 'individual', CARD, '110000000', '000123456789', ''),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('object'), fc.array(tie('value'), { maxLength: 3 })),
  object: fc.dictionary(fc.oneof(fieldNames, fc.string()), tie('value'), { maxKeys: 6 }),
})).value;
const body = fc.oneof(
  jsonValue.map((value) => JSON.stringify(value)),
  fc.string(),
  fc.constantFrom('{', '{"card":', '[]', 'null', '"x"', ''),
);

function expectDocumented(reply: { status: number; text: string }): void {
  expect(DOCUMENTED.has(reply.status) || (reply.status === 404 && reply.text === 'Not Found')).toBe(true);
  expect(reply.text).not.toContain(CARD);
  if (reply.status >= 400 && reply.text !== 'Not Found') {
    expect(Object.keys(JSON.parse(reply.text) as object).sort()).toEqual(['code', 'message']);
  }
}

test('random bodies to every endpoint that reads one: a documented status, never a 500', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(
        ['POST', '/api/v1/paymentmethodsessions?account_id=1000000001'],
        ['PUT', `/api/v1/paymentmethods/${FIXTURE_CARD}?account_id=1000000001`],
        ['POST', `/__sandbox/paymentmethodsessions/${FIXTURE_OPEN_SESSION}/complete?account_id=1000000001`],
        ['POST', '/__sandbox/seed'],
        ['POST', '/__sandbox/faults'],
        ['POST', '/__sandbox/tokens'],
      ),
      body,
      async ([method, path], text) => {
        expectDocumented(await h.request(method as string, path as string, { body: text }));
      },
    ),
    { numRuns: 300 },
  );
  // The faults and tokens the fuzzer may have added do not outlive it; the server still answers.
  h.sandbox.reset();
  expect((await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`)).status).toBe(200);
});

test('random ids, tokens and account ids: a documented status, never a 500', async () => {
  const segment = fc.oneof(fc.string(), fc.stringMatching(/^[0-9]{1,25}$/), fc.constantFrom('%', '%E0%A4%A', '..', '%2F'));
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'PUT', 'DELETE', 'POST', 'PATCH'),
      fc.constantFrom('paymentmethods', 'paymentmethodsessions'),
      segment,
      fc.option(fc.string({ maxLength: 40 }), { nil: null }),
      fc.option(fc.oneof(fc.string({ maxLength: 25 }), fc.constant('1000000001')), { nil: null }),
      async (method, resource, id, token, account) => {
        const path = `/api/v1/${resource}/${encodeURIComponent(id).replace(/%25/g, '%')}`;
        const query = account === null ? '' : `?account_id=${encodeURIComponent(account)}`;
        const headers: Record<string, string> = token === null ? {} : { authorization: `Zoho-oauthtoken ${token.replace(/[\r\n]/g, '')}` };
        const reply = await h.request(method, `${path}${query}`, { token: null, headers, body: method === 'PUT' ? '{}' : undefined });
        expectDocumented(reply);
      },
    ),
    { numRuns: 300 },
  );
});
