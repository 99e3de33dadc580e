// The group commit's three promises (issue 12): idle -> the request goes out at once and alone;
// busy -> requests that arrive meanwhile share one statement; a failed batch -> each request
// runs alone, so the error lands on the request that caused it.
import { Batcher } from './batcher';

type Deferred<T> = { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void };
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every queued promise callback run (the batcher awaits between statements). */
const settle = () => new Promise((r) => setImmediate(r));

/** A batcher over fake statements: `one` waits for the test to release it, `many` answers at once. */
function harness(max = 100) {
  const singles: { input: number; done: Deferred<string> }[] = [];
  const one = jest.fn((input: number) => {
    const done = deferred<string>();
    singles.push({ input, done });
    return done.promise;
  });
  const many = jest.fn(async (inputs: number[]) => inputs.map((i) => `many:${i}`));
  const batcher = new Batcher<number, string>({ one, many, max });
  return { batcher, one, many, singles };
}

test('idle: a request goes out at once, alone, through one', async () => {
  const { batcher, one, many, singles } = harness();
  const result = batcher.submit(1);
  // Sent in the same tick as submit: no waiting for company.
  expect(one).toHaveBeenCalledTimes(1);
  expect(one).toHaveBeenCalledWith(1);
  singles[0]!.done.resolve('one:1');
  await expect(result).resolves.toBe('one:1');
  expect(many).not.toHaveBeenCalled();
  expect(batcher.stats).toEqual({ statements: 1, requests: 1 });

  // Idle again: the next request goes out without waiting for anything (the drain loop may
  // still be unwinding, so a few microtasks pass, but no statement).
  const next = batcher.submit(2);
  await settle();
  expect(one).toHaveBeenCalledTimes(2);
  singles[1]!.done.resolve('one:2');
  await expect(next).resolves.toBe('one:2');
  expect(many).not.toHaveBeenCalled();
});

test('busy: requests arriving while one is in flight wait, then share one statement', async () => {
  const { batcher, one, many, singles } = harness();
  const first = batcher.submit(1);
  const waiting = [batcher.submit(2), batcher.submit(3), batcher.submit(4)];
  await settle();
  // Nothing more is sent while the first statement is in flight.
  expect(one).toHaveBeenCalledTimes(1);
  expect(many).not.toHaveBeenCalled();

  singles[0]!.done.resolve('one:1');
  await expect(first).resolves.toBe('one:1');
  // Each caller gets its own result, in its own order.
  await expect(Promise.all(waiting)).resolves.toEqual(['many:2', 'many:3', 'many:4']);
  expect(many).toHaveBeenCalledTimes(1);
  expect(many).toHaveBeenCalledWith([2, 3, 4]);
  expect(one).toHaveBeenCalledTimes(1);
  expect(batcher.stats).toEqual({ statements: 2, requests: 4 });
});

test('busy: a batch is at most max requests; the rest go out in the next statement', async () => {
  const { batcher, many, singles } = harness(2);
  const first = batcher.submit(1);
  const waiting = [2, 3, 4, 5, 6].map((i) => batcher.submit(i));
  singles[0]!.done.resolve('one:1');
  await first;
  // Five waiting with max 2: [2,3], [4,5], then 6 alone through one.
  await expect(Promise.all(waiting.slice(0, 4))).resolves.toEqual(['many:2', 'many:3', 'many:4', 'many:5']);
  expect(many.mock.calls).toEqual([[[2, 3]], [[4, 5]]]);
  await settle();
  expect(singles.map((s) => s.input)).toEqual([1, 6]);
  singles[1]!.done.resolve('one:6');
  await expect(waiting[4]).resolves.toBe('one:6');
});

test('a failed batch runs each of its requests alone: the error lands on the request that caused it', async () => {
  const { batcher, one, many, singles } = harness();
  many.mockRejectedValueOnce(new Error('batch statement failed'));
  const first = batcher.submit(1);
  const waiting = [batcher.submit(2), batcher.submit(3), batcher.submit(4)];
  singles[0]!.done.resolve('one:1');
  await first;
  await settle();
  expect(many).toHaveBeenCalledTimes(1);
  // One by one, all at once (not waiting for each other).
  expect(one.mock.calls.slice(1)).toEqual([[2], [3], [4]]);
  const badRow = new Error('request 3 is bad');
  singles[1]!.done.resolve('one:2');
  singles[2]!.done.reject(badRow);
  singles[3]!.done.resolve('one:4');
  const results = await Promise.allSettled(waiting);
  expect(results).toEqual([
    { status: 'fulfilled', value: 'one:2' },
    { status: 'rejected', reason: badRow },
    { status: 'fulfilled', value: 'one:4' },
  ]);
  // The failed batch and the three retries: 4 requests in 1 + 1 + 3 statements.
  expect(batcher.stats).toEqual({ statements: 5, requests: 7 });

  // The batcher goes on: idle again, the next request is immediate.
  const next = batcher.submit(5);
  await settle();
  expect(one).toHaveBeenCalledTimes(5);
  singles[4]!.done.resolve('one:5');
  await expect(next).resolves.toBe('one:5');
});

test('a failed single request rejects only its caller, and the batcher keeps going', async () => {
  const { batcher, singles } = harness();
  const first = batcher.submit(1);
  const second = batcher.submit(2);
  singles[0]!.done.reject(new Error('no'));
  await expect(first).rejects.toThrow('no');
  // The one waiting request goes out next, alone.
  await settle();
  singles[1]!.done.resolve('one:2');
  await expect(second).resolves.toBe('one:2');
});
