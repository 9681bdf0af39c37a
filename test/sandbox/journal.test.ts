/**
 * sandbox/faults.ts's Journal: the last `capacity` calls, oldest first, whatever the number of
 * calls recorded before (a ring, so that recording stays cheap under the bench's load).
 */
import fc from 'fast-check';
import { Journal, type JournalEntry } from '../../sandbox/faults';

const entry = (n: number): JournalEntry => ({
  endpoint: 'retrievePaymentMethod',
  method: 'GET',
  path: `/api/v1/paymentmethods/${n}`,
  account_id: '1000000001',
  status: 200,
  fault: null,
  at: new Date(n * 1000).toISOString(),
});

test('keeps the last `capacity` entries in the order they were recorded, for any count and capacity', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 70 }), (capacity, count) => {
      const journal = new Journal(capacity);
      for (let n = 0; n < count; n++) journal.record(entry(n));
      const expected = Array.from({ length: count }, (_, n) => entry(n).path).slice(-capacity);
      expect(journal.list().map((e) => e.path)).toEqual(count === 0 ? [] : expected);
    }),
  );
});

test('clear empties it, and it fills again from the start', () => {
  const journal = new Journal(3);
  for (let n = 0; n < 5; n++) journal.record(entry(n));
  journal.clear();
  expect(journal.list()).toEqual([]);
  journal.record(entry(7));
  expect(journal.list()).toEqual([entry(7)]);
});

test('a list is a copy: recording afterwards does not change it', () => {
  const journal = new Journal(2);
  journal.record(entry(1));
  const listed = journal.list();
  journal.record(entry(2));
  journal.record(entry(3));
  expect(listed).toEqual([entry(1)]);
});

test('a capacity below one is refused', () => {
  expect(() => new Journal(0)).toThrow(RangeError);
});
