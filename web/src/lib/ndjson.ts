// Newline-delimited JSON (`application/x-ndjson`), read as it arrives: one
// JSON value per line, a line handed on as soon as its newline is in. The
// gateway streams a large import's progress this way.

/**
 * The values of a body of newline-delimited JSON, in order. Blank lines are
 * skipped; a last line without its newline still counts; a line that is not
 * JSON throws (the stream is not what it claims).
 */
export async function* readNdjson<T>(body: ReadableStream<Uint8Array>): AsyncGenerator<T> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      pending += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line) yield JSON.parse(line) as T;
        newline = pending.indexOf('\n');
      }
      if (done) break;
    }
    const last = pending.trim();
    if (last) yield JSON.parse(last) as T;
  } finally {
    reader.releaseLock();
  }
}
