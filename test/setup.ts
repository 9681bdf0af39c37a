/**
 * Runs before every test file: no test may reach a real network. Tests that start the gateway
 * on loopback allow exactly that (see test/helpers.ts).
 */
import nock from 'nock';

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  // Every interceptor a test declared must have been called: an upstream call that should have
  // happened and did not is a failure.
  expect(pending).toEqual([]);
});

afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});
