/**
 * Newline-delimited input for the CLI: the lines of a byte stream, pulled one at a time (the stream is read only as
 * fast as lines are taken, so a huge file or pipe never sits in memory).
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** One line of the input. */
export interface Line {
  /** 1-based line number. */
  readonly number: number;
  /** The text, without its `\n` (or `\r\n`). */
  readonly text: string;
}

/**
 * Yields the lines of `input` (UTF-8); a last line without a newline is yielded too.
 *
 * @param input - a byte stream (file, stdin)
 * @returns an async generator of lines; returning early destroys nothing (the caller owns the stream)
 */
export async function* readLines(input: Readable | AsyncIterable<Buffer | string>): AsyncGenerator<Line> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let number = 0;
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    rest += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    for (let end = rest.indexOf('\n', start); end !== -1; end = rest.indexOf('\n', start)) {
      number += 1;
      const text = rest.charCodeAt(end - 1) === 13 ? rest.slice(start, end - 1) : rest.slice(start, end);
      start = end + 1;
      yield { number, text };
    }
    rest = rest.slice(start);
  }
  rest += decoder.end();
  if (rest.length > 0) {
    number += 1;
    yield { number, text: rest.endsWith('\r') ? rest.slice(0, -1) : rest };
  }
}
