/**
 * The bench's check that every reply it counts as throughput reached Zoho (bench/reached.ts):
 * the calls the sandbox answered 2xx for an arm's accounts, between two counts, against the
 * replies counted and the arm's fewest calls per reply.
 */
import { reachedZoho } from '../../bench/reached';

const counts = (entries: Record<string, number>) =>
  Object.fromEntries(Object.entries(entries).map(([account, ok]) => [account, { ok, other: 7 }]));

test('every reply reached Zoho when the sandbox answered at least its calls, extra calls allowed', () => {
  expect(reachedZoho(100, 1, ['1'], counts({ '1': 50 }), counts({ '1': 150 }))).toEqual({ upstreamCalls: 100, notReached: 0, accountsReached: 1 });
  // Requests abandoned at the end of the warm-up may still call Zoho during the run.
  expect(reachedZoho(100, 1, ['1'], counts({ '1': 50 }), counts({ '1': 160 })).notReached).toBe(0);
  expect(reachedZoho(10, 20, ['1'], counts({}), counts({ '1': 200 })).notReached).toBe(0);
});

test('replies answered without their Zoho calls (a limit, a circuit, a cache) are counted, in replies', () => {
  // 100 replies, 60 calls: 40 replies never reached Zoho.
  expect(reachedZoho(100, 1, ['1'], counts({ '1': 0 }), counts({ '1': 60 })).notReached).toBe(40);
  // 20 calls per reply: 10 replies need 200 calls; 150 is 2.5 replies short, so 3 replies.
  expect(reachedZoho(10, 20, ['1'], counts({}), counts({ '1': 150 })).notReached).toBe(3);
});

test("only the arm's own accounts count, and only 2xx calls", () => {
  const before = counts({ '1': 0, '2': 0, '9': 0 });
  const after = counts({ '1': 10, '2': 10, '9': 1000 });
  expect(reachedZoho(30, 1, ['1', '2', '3'], before, after)).toEqual({ upstreamCalls: 20, notReached: 10, accountsReached: 2 });
  // Non-2xx answers (`other`) are never calls that reached Zoho's data.
  const rejected = { '1': { ok: 0, other: 500 } };
  expect(reachedZoho(5, 1, ['1'], {}, rejected).notReached).toBe(5);
});

test('an arm that calls no one never fails the check', () => {
  expect(reachedZoho(5000, 0, ['1'], counts({ '1': 3 }), counts({ '1': 3 }))).toEqual({ upstreamCalls: 0, notReached: 0, accountsReached: 0 });
});
