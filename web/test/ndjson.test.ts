import { describe, expect, it } from 'vitest';
import { readNdjson } from '../src/lib/ndjson';

/** A body that arrives in these chunks, as a network would cut it. */
function body(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

async function all<T>(lines: AsyncGenerator<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of lines) values.push(value);
  return values;
}

describe('reading newline-delimited JSON', () => {
  it('hands on each line once its newline is in, however the body is cut', async () => {
    const values = await all(readNdjson(body(['{"phase":"valid', 'ating","done":1}\n{"phase":"do', 'ne"}\n'])));
    expect(values).toEqual([{ phase: 'validating', done: 1 }, { phase: 'done' }]);
  });

  it('skips blank lines and keeps a last line without its newline', async () => {
    expect(await all(readNdjson(body(['{"a":1}\r\n\n', '  \n{"b":2}'])))).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('keeps a character split between chunks whole', async () => {
    const bytes = new TextEncoder().encode('{"name":"Café"}\n');
    const cut = bytes.indexOf(0xc3) + 1;
    expect(await all(readNdjson(body([bytes.slice(0, cut), bytes.slice(cut)])))).toEqual([{ name: 'Café' }]);
  });

  it('yields a line before the rest of the body has arrived', async () => {
    const encoder = new TextEncoder();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
    });
    const lines = readNdjson<{ n: number }>(stream);
    controller.enqueue(encoder.encode('{"n":1}\n{"n":'));
    expect((await lines.next()).value).toEqual({ n: 1 });
    controller.enqueue(encoder.encode('2}\n'));
    controller.close();
    expect((await lines.next()).value).toEqual({ n: 2 });
    expect((await lines.next()).done).toBe(true);
  });

  it('throws on a line that is not JSON', async () => {
    await expect(all(readNdjson(body(['{"a":1}\n<html>\n'])))).rejects.toThrow();
  });
});
