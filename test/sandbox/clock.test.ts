/**
 * The sandbox's clock in the control API (sandbox/README.md, The clock), over real HTTP: GET, PUT
 * (set, frozen or running), POST freeze / resume / advance, DELETE (back to real time), and reset.
 * Everything the sandbox times follows it: created_time and last_modified_time, a session's hour,
 * a card's expiry (which is why the seeds' own PUT example, expiry 01/26, needs the clock set to
 * the seeds' moment), the journal's `at`. Bad bodies are refused with the field named. One block
 * runs on real time (no injected source) to show that a frozen clock does not move while time does.
 */
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import {
  CHARLES,
  FIXTURE_CARD,
  FIXTURE_OPEN_SESSION,
  HOUR,
  SEEDS_MOMENT,
  START,
  cardBody,
  expectZohoError,
  rawRequest,
  seedExample,
  sleep,
  useSandbox,
  type Json,
} from './harness';

const h = useSandbox();

const iso = (ms: number) => new Date(ms).toISOString();
const seconds = (ms: number) => Math.floor(ms / 1000);
const clock = async (method: string, path = '', body?: unknown): Promise<Json> => {
  const reply = await h.control(method, `clock${path}`, body);
  expect(reply.status).toBe(200);
  return reply.json().clock as Json;
};
const sessionStatus = async (id: string) => (await h.zoho('GET', `paymentmethodsessions/${id}`)).json().payment_method_session.status as string;
const cardStatus = async () => (await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`)).json().payment_method.status as string;

describe('reading it', () => {
  it('GET /__sandbox/clock: the source time (here the test\'s START), running, real time', async () => {
    const reply = await h.control('GET', 'clock');

    expect(reply.json()).toEqual({ code: 0, message: 'success', clock: { now: iso(START), frozen: false, real_time: true } });
  });
});

describe('PUT /__sandbox/clock: sets it', () => {
  it.each<[string, unknown]>([
    ['an ISO 8601 date-time in UTC', '2024-02-26T12:31:12Z'],
    ['an ISO 8601 date-time with an offset', '2024-02-26T13:31:12+01:00'],
    ["Unix seconds (the seeds' created_time, pasted as is)", 1708950672],
    ['epoch milliseconds', 1708950672000],
  ])('with %s', async (_what, now) => {
    expect(await clock('PUT', '', { now, frozen: true })).toEqual({ now: iso(SEEDS_MOMENT), frozen: true, real_time: false });

    const created = await h.zoho('POST', 'paymentmethodsessions', { body: { customer_id: CHARLES } });

    expect(created.json().payment_method_session.created_time).toBe(1708950672);
  });

  it('frozen: true stops it there; time passing at the source does not move it', async () => {
    await clock('PUT', '', { now: SEEDS_MOMENT, frozen: true });

    h.now = START + 10 * HOUR;

    expect((await clock('GET')).now).toBe(iso(SEEDS_MOMENT));
  });

  it('without frozen, a running clock runs on from the time set, at the source\'s pace', async () => {
    expect(await clock('PUT', '', { now: SEEDS_MOMENT })).toEqual({ now: iso(SEEDS_MOMENT), frozen: false, real_time: false });

    h.now = START + 90_000;

    expect((await clock('GET')).now).toBe(iso(SEEDS_MOMENT + 90_000));
    const created = await h.zoho('POST', 'paymentmethodsessions', { body: { customer_id: CHARLES } });
    expect(created.json().payment_method_session.created_time).toBe(1708950672 + 90);
  });

  it('without frozen, a frozen clock stays frozen at the new time; frozen: false lets it run from there', async () => {
    await clock('POST', '/freeze');

    expect(await clock('PUT', '', { now: SEEDS_MOMENT })).toMatchObject({ now: iso(SEEDS_MOMENT), frozen: true });
    h.now = START + 5_000;
    expect((await clock('GET')).now).toBe(iso(SEEDS_MOMENT));

    expect(await clock('PUT', '', { now: SEEDS_MOMENT, frozen: false })).toMatchObject({ now: iso(SEEDS_MOMENT), frozen: false });
    h.now = START + 12_000;
    expect((await clock('GET')).now).toBe(iso(SEEDS_MOMENT + 7_000));
  });

  it.each<[string, unknown, string]>([
    ['no now', {}, 'now'],
    ['a date without a time zone', { now: '2024-02-26T12:31:12' }, 'now'],
    ['a date only', { now: '2024-02-26' }, 'now'],
    ['a negative number', { now: -1 }, 'now'],
    ['a fraction', { now: 1708950672.5 }, 'now'],
    ['past the year 9999', { now: 253402300800000 }, 'now'],
    ['frozen not a boolean', { now: 1708950672, frozen: 'yes' }, 'frozen'],
    ['an unknown field', { now: 1708950672, frozn: true }, 'frozn'],
  ])('refuses %s (400, the field named) and leaves the clock alone', async (_what, body, field) => {
    const reply = await h.control('PUT', 'clock', body);

    expect(reply.status).toBe(400);
    expect(reply.json().code).toMatch(/^(invalid_parameter|required_parameter_missing)$/);
    expect(reply.json().message).toContain(field);
    expect(await clock('GET')).toEqual({ now: iso(START), frozen: false, real_time: true });
  });

  it('a body that is not JSON → 400 invalid_json', async () => {
    expectZohoError(await h.control('PUT', 'clock', 'now=1708950672'), 400, 'invalid_json');
  });
});

describe('POST /__sandbox/clock/freeze and /resume', () => {
  it('freeze with no body stops it where it is; resume runs it on from there (not back to real time)', async () => {
    h.now = START + 1_000;
    expect(await clock('POST', '/freeze')).toEqual({ now: iso(START + 1_000), frozen: true, real_time: false });

    h.now = START + 61_000;
    expect((await clock('GET')).now).toBe(iso(START + 1_000));

    expect(await clock('POST', '/resume')).toEqual({ now: iso(START + 1_000), frozen: false, real_time: false });
    h.now = START + 66_000;
    expect((await clock('GET')).now).toBe(iso(START + 6_000));
  });

  it('freeze with now stops it at that moment', async () => {
    expect(await clock('POST', '/freeze', { now: '2024-02-26T12:31:12Z' })).toMatchObject({ now: iso(SEEDS_MOMENT), frozen: true });
  });

  it('resume on a running clock changes nothing', async () => {
    expect(await clock('POST', '/resume')).toEqual({ now: iso(START), frozen: false, real_time: true });
  });
});

describe('POST /__sandbox/clock/advance', () => {
  it.each<[Json, number]>([
    [{ ms: 1500 }, 1500],
    [{ seconds: 90 }, 90_000],
    [{ minutes: 2 }, 120_000],
    [{ hours: 1 }, HOUR],
    [{ days: 7 }, 7 * 24 * HOUR],
    [{ ms: 0 }, 0],
  ])('%j moves a frozen clock by %i ms', async (body, ms) => {
    await clock('POST', '/freeze');

    expect(await clock('POST', '/advance', body)).toEqual({ now: iso(START + ms), frozen: true, real_time: false });
  });

  it('moves a running clock too, which then runs on', async () => {
    expect(await clock('POST', '/advance', { hours: 2 })).toEqual({ now: iso(START + 2 * HOUR), frozen: false, real_time: false });

    h.now = START + 1_000;

    expect((await clock('GET')).now).toBe(iso(START + 2 * HOUR + 1_000));
  });

  it.each<[string, unknown]>([
    ['no unit', {}],
    ['two units', { hours: 1, minutes: 30 }],
    ['a negative amount (set the clock instead)', { hours: -1 }],
    ['a fraction', { hours: 1.5 }],
    ['a string', { hours: '1' }],
    ['an unknown unit', { weeks: 1 }],
  ])('refuses %s (400) and leaves the clock alone', async (_what, body) => {
    const reply = await h.control('POST', 'clock/advance', body);

    expect(reply.status).toBe(400);
    expect(reply.json().code).toBe('invalid_parameter');
    expect(await clock('GET')).toEqual({ now: iso(START), frozen: false, real_time: true });
  });

  it('refuses to go past the year 9999', async () => {
    await clock('PUT', '', { now: '9999-12-31T00:00:00Z', frozen: true });

    expectZohoError(await h.control('POST', 'clock/advance', { days: 1 }), 400, 'invalid_parameter', 'days');
    expect((await clock('GET')).now).toBe('9999-12-31T00:00:00.000Z');
  });
});

describe('back to real time', () => {
  it('DELETE /__sandbox/clock: running again on the source time, with no offset', async () => {
    await clock('PUT', '', { now: SEEDS_MOMENT, frozen: true });

    expect(await clock('DELETE')).toEqual({ now: iso(START), frozen: false, real_time: true });
  });

  it('POST /__sandbox/reset puts the clock back to real time too', async () => {
    await clock('PUT', '', { now: SEEDS_MOMENT, frozen: true });

    await h.control('POST', 'reset', {});

    expect(await clock('GET')).toEqual({ now: iso(START), frozen: false, real_time: true });
  });
});

describe('what follows the clock', () => {
  it('a session expires one hour after its creation on the clock: advancing it an hour is enough', async () => {
    await clock('POST', '/freeze');
    const sessionId = await h.createSession();

    await clock('POST', '/advance', { ms: HOUR - 1 });
    expect(await sessionStatus(sessionId)).toBe('created');
    expect(await sessionStatus(FIXTURE_OPEN_SESSION)).toBe('created');

    await clock('POST', '/advance', { ms: 1 });
    expect(await sessionStatus(sessionId)).toBe('expired');
    expect(await sessionStatus(FIXTURE_OPEN_SESSION)).toBe('expired');
    expectZohoError(await h.complete(sessionId, cardBody('4242424242424242')), 400, 'invalid_payment_session', 'expired');
  });

  it('setting the clock back before the hour un-expires the session: its status is read from the clock', async () => {
    const sessionId = await h.createSession();
    await clock('POST', '/advance', { hours: 2 });
    expect(await sessionStatus(sessionId)).toBe('expired');

    await clock('DELETE');

    expect(await sessionStatus(sessionId)).toBe('created');
    expect((await h.complete(sessionId, cardBody('4242424242424242'))).json().payment_method_session.status).toBe('succeeded');
  });

  it("a card expires with its month on the clock: the fixture card (01/30) reads expired from 2030-02-01", async () => {
    await clock('PUT', '', { now: '2030-01-31T23:59:59.999Z', frozen: true });
    expect(await cardStatus()).toBe('active');

    await clock('POST', '/advance', { ms: 1 });
    expect(await cardStatus()).toBe('expired');

    await clock('DELETE');
    expect(await cardStatus()).toBe('active');
  });

  it("the seeds' own PUT example (expiry 01/26) is refused as past today, and accepted with the clock at the seeds' moment", async () => {
    const request = seedExample('update-payment-method.request');

    expectZohoError(await h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, { body: request }), 400, 'invalid_parameter', 'card.expiry_year');

    await clock('PUT', '', { now: 1708950672, frozen: true });
    const reply = await h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, { body: request });

    expect(reply.status).toBe(200);
    expect(reply.json().payment_method).toMatchObject({
      card: { expiry_month: '01', expiry_year: '26' },
      status: 'active',
      last_modified_time: 1708950672,
    });
  });

  it('a card completed without an expiry gets December three years ahead of the clock', async () => {
    await clock('PUT', '', { now: SEEDS_MOMENT, frozen: true });

    const { paymentMethodId } = await h.completedSession({ card: { number: '4242424242424242' } });

    expect((await h.zoho('GET', `paymentmethods/${paymentMethodId}`)).json().payment_method).toMatchObject({
      card: { expiry_month: '12', expiry_year: '27' },
      created_time: seconds(SEEDS_MOMENT),
    });
  });

  it("last_modified_time and the journal's at are on the clock", async () => {
    await clock('PUT', '', { now: SEEDS_MOMENT, frozen: true });
    await clock('POST', '/advance', { seconds: 30 });

    const updated = await h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, { body: { type: 'card' } });

    expect(updated.json().payment_method.last_modified_time).toBe(seconds(SEEDS_MOMENT) + 30);
    const journal = (await h.control('GET', 'requests')).json().requests as Json[];
    expect(journal.map((entry) => entry.at)).toEqual([iso(SEEDS_MOMENT + 30_000)]);
  });
});

describe('on real time (no injected source)', () => {
  let real: RunningSandbox;
  beforeAll(async () => {
    real = await startSandbox({}, 0);
  });
  afterAll(async () => {
    await real.close();
  });
  const realClock = async (method: string, path = '', body?: unknown) =>
    (await rawRequest(real.origin, method, `/__sandbox/clock${path}`, { token: null, body })).json().clock as Json;

  it('starts on the wall clock; frozen, it stays put while time passes; DELETE brings it back to the wall clock', async () => {
    const before = Date.now();
    const start = Date.parse((await realClock('GET')).now as string);
    expect(start).toBeGreaterThanOrEqual(before);
    expect(start).toBeLessThanOrEqual(Date.now());

    const frozen = (await realClock('POST', '/freeze')).now as string;
    await sleep(30);
    expect((await realClock('GET')).now).toBe(frozen);

    const back = Date.parse((await realClock('DELETE')).now as string);
    expect(back).toBeGreaterThanOrEqual(Date.parse(frozen) + 30);
    expect(back).toBeLessThanOrEqual(Date.now());
  });
});
