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
 * Wraps calls so that at most `size` run at once; the others start in the
 * order they were made, as earlier ones settle.
 */
export function limiter(size: number): <R>(fn: () => Promise<R>) => Promise<R> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
