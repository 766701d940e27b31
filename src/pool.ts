/**
 * Runs `fn` over `items` with at most `size` at a time. On the first failure
 * no new item starts, the ones running are awaited, and that failure is
 * thrown: nothing keeps working on resources the caller is about to clean up.
 */
export async function pool<T>(
  items: readonly T[],
  size: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        if (!failed) failure = e;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
  if (failed) throw failure;
}

/** `pool`, keeping each item's result at its item's index. */
export async function poolMap<T, R>(
  items: readonly T[],
  size: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  await pool([...items.keys()], size, async (i) => {
    results[i] = await fn(items[i]!);
  });
  return results;
}

/**
 * Wraps calls so that at most `size` run at once, and, while more than one
 * runs, the `cost`s of those running add up to at most `budget` (a call over
 * budget runs alone). Calls start in order of cost, the costliest first, and
 * in the order they were made among equal costs; none overtakes one that
 * waits.
 */
export function limiter(
  size: number,
  budget = Infinity,
): <R>(fn: () => Promise<R>, cost?: number) => Promise<R> {
  let running = 0;
  let held = 0;
  const waiting: { cost: number; start: () => void }[] = [];
  const fits = (cost: number) => running < size && (running === 0 || held + cost <= budget);
  const take = (cost: number) => {
    running++;
    held += cost;
  };
  // Slots are taken here, for the calls woken, so that no newcomer slips in before them.
  const startWaiting = () => {
    while (waiting.length > 0 && fits(waiting[0]!.cost)) {
      const w = waiting.shift()!;
      take(w.cost);
      w.start();
    }
  };
  let gathering = false;
  return async (fn, cost = 0) => {
    await new Promise<void>((start) => {
      const at = waiting.findIndex((w) => w.cost < cost);
      waiting.splice(at < 0 ? waiting.length : at, 0, { cost, start });
      // Calls made in the same turn of the event loop are ordered together before any starts:
      // the costliest of a batch goes first even when a cheap one was made before it.
      if (!gathering) {
        gathering = true;
        setImmediate(() => {
          gathering = false;
          startWaiting();
        });
      }
    });
    try {
      return await fn();
    } finally {
      running--;
      held -= cost;
      startWaiting();
    }
  };
}
