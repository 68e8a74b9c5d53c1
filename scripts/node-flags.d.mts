/** Node flags our own launches of Node add (see node-flags.mjs). */
export function nodeFlags(version?: string): string[];
