/** Files named on the command line (`bpstudio-desktop model.json`): existing files with a known extension. */
import { existsSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';

const OPENABLE = new Set(['.json', '.onnx']);

export function filesFromArgv(args: readonly string[], cwd = process.cwd()): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (a.startsWith('-')) continue;
    if (!OPENABLE.has(extname(a).toLowerCase())) continue;
    const p = resolve(cwd, a);
    try {
      if (existsSync(p) && statSync(p).isFile()) out.push(p);
    } catch {
      // not a file we can open
    }
  }
  return out;
}
