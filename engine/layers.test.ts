/**
 * The engine's layers (docs/architecture.md): an import may only run down. The tensor core —
 * core/, ops/, autograd/, which need each other (a Tensor's methods are ops, an op's VJP is ops,
 * applying an op records autograd) — is the bottom; then nn/, optim/ and data/; then graph/;
 * then backends/, onnx/ and pytorch/ (executors and file formats of compiled graphs); then train/; then
 * service/; then cli/. backends/ never imports train/ (the trainer uses executors, not the other
 * way round). Nothing in the engine imports the renderer, Electron or React.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const engine = dirname(fileURLToPath(import.meta.url));

/** Each top-level folder's layer; an import must go to the same layer or a lower one. */
const LAYER: Record<string, number> = {
  core: 0, ops: 0, autograd: 0,
  nn: 1, optim: 1, data: 1,
  graph: 2,
  backends: 3, onnx: 3, pytorch: 3,
  train: 4,
  service: 5,
  cli: 6,
};
/** Imports between folders of one layer that would still run the wrong way. */
const FORBIDDEN: [from: string, to: string][] = [['backends', 'train'], ['onnx', 'backends'], ['pytorch', 'backends']];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (e.endsWith('.ts') && !e.endsWith('.test.ts') && !e.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function folderOf(file: string): string | null {
  const rel = relative(engine, file).split(/[\\/]/);
  return rel.length > 1 ? rel[0]! : null;
}

describe('engine layers', () => {
  const files = sources(engine).filter((f) => {
    const top = folderOf(f);
    return top !== null && top in LAYER;
  });
  const edges: { file: string; from: string; to: string; spec: string }[] = [];
  const outside: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)[^'"\n]*from\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1]!;
      if (/^(react|react-dom|electron|@xyflow\/)/.test(spec) || /(^|\/)(renderer|electron)\//.test(spec)) outside.push(`${relative(engine, file)} imports ${spec}`);
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      const to = folderOf(target);
      const from = folderOf(file)!;
      if (to && to !== from && to in LAYER) edges.push({ file: relative(engine, file), from, to, spec });
    }
  }

  it('reads the engine\'s imports (a guard that the scan sees them)', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(edges.length).toBeGreaterThan(100);
  });

  it('every import runs down a layer or stays in one', () => {
    const up = edges.filter((e) => LAYER[e.to]! > LAYER[e.from]!).map((e) => `${e.file} (${e.from}, layer ${LAYER[e.from]}) imports ${e.spec} (${e.to}, layer ${LAYER[e.to]})`);
    expect(up).toEqual([]);
  });

  it('backends never import train, onnx never imports backends', () => {
    const wrong = edges.filter((e) => FORBIDDEN.some(([f, t]) => e.from === f && e.to === t)).map((e) => `${e.file} imports ${e.spec}`);
    expect(wrong).toEqual([]);
  });

  it('nothing in the engine imports the renderer, Electron or React', () => {
    expect(outside).toEqual([]);
  });
});
