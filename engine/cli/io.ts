/**
 * What a CLI command may touch of the outside world, injectable so that tests run commands
 * in-process and read what they printed.
 */
import type { Writable } from 'node:stream';

export interface CliIo {
  /** Results: tables, JSON lines, predictions. */
  stdout(text: string): void;
  /** Progress, summaries in --json mode, warnings and errors. */
  stderr(text: string): void;
  /** Where the progress bar draws; only used when `stderrIsTTY`. */
  stderrStream?: Writable;
  /** Draw a progress bar (stderr is a terminal). */
  stderrIsTTY?: boolean;
  /** Relative paths on the command line resolve against this; default process.cwd(). */
  cwd?: string;
  /** Environment (BPSTUDIO_DEBUG); default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Subscribe to Ctrl+C (the real process); returns an unsubscribe function. */
  onInterrupt?(handler: () => void): () => void;
}

/** Exit codes (docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** Bad file, invalid document, data error, a graph with errors (`info`). */
  error: 1,
  /** Bad command line: unknown command or option, bad option value, missing argument. */
  usage: 2,
  /** Training stopped because a loss or gradient became NaN/Inf. */
  nonFinite: 3,
  /** Training interrupted with Ctrl+C (what was trained so far is still saved with --out). */
  interrupted: 130,
} as const;

/**
 * An error the CLI reports as `error: <message>` (one line) followed by `details` (the
 * diagnostics of a document, one per line), with the given exit code.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Control characters in text that came from a document or a data file (a node label, a
 * column name) shown as visible escapes — `\x1b` for ESC, `\u202e` for a bidi override — so
 * nothing the CLI prints can move the cursor, recolour or rewrite the terminal. Line breaks and
 * tabs the CLI itself writes are kept.
 */
export function escapeControls(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

/** Write a line (adds the newline), control characters escaped (escapeControls). */
export const line = (write: (s: string) => void, text = ''): void => write(`${escapeControls(text)}\n`);
