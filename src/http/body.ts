/**
 * Reading a bounded part of a body that is only quoted (an error page, a
 * registry's error JSON): at most `maxBytes` are read, the rest is dropped,
 * and a body that breaks off gives what came. Never more memory than the
 * bound, whatever the server sends.
 */
export async function readText(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  try {
    while (n < maxBytes) {
      const r = await reader.read();
      if (r.done) break;
      const part = r.value.subarray(0, maxBytes - n);
      parts.push(part);
      n += part.length;
    }
  } catch {
    // a body that broke off: what came is all there is to quote
  } finally {
    await reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(Buffer.concat(parts));
}
