import { createTestGateway, seed, zoho, ACCOUNT_ID } from '../helpers';

test('reads the seeds payment method', async () => {
  const gw = await createTestGateway();
  zoho().get('/api/v1/paymentmethods/1987000000724211').query({ account_id: ACCOUNT_ID }).reply(200, seed('retrieve-payment-method.response'));
  const r = await gw.execute('{ paymentMethod(id: "1987000000724211") { id details { ... on CardDetails { expiryYear } } } }');
  expect(r.errors).toBeUndefined();
  expect(r.data?.paymentMethod).toEqual({ id: '1987000000724211', details: { expiryYear: 2026 } });
  await gw.stop();
});
