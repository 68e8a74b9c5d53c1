/** Engine messages as the editor shows them inline. */

/**
 * An engine error about the graph as one sentence: "the graph has 2 errors:\nerror: A\nerror: B"
 * (the CLI's form, one diagnostic per line) reads "A; B" — never "error: error:".
 */
export function diagnosticsText(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^the graph has \d+ (error|problem)s?:?$/i.test(l));
  return lines.map((l) => l.replace(/^(error|warning|note):\s*/i, '')).join('; ');
}
