/**
 * Every node type in one place (issue 12, item 3): what a node type is — ports, params, role,
 * shape rule, lowerings, local gradient, docs — lives in its definition (`engine/graph/nodes/`,
 * with the tensor-free spec module `engine/graph/node-spec.ts`). Elsewhere, code asks the
 * definition (`getNodeDef(type)`, `hasRole(node, 'loss')`) instead of switching on a node's type
 * or comparing it with a type's name. This test scans the engine's, the renderer's and Electron's
 * sources (tests and test helpers aside: they build and inspect documents) and fails on either.
 * It also checks that the spec module, which the renderer bundles, imports nothing with tensors.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NODE_SPECS } from './nodes/specs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NAMES = new Set(NODE_SPECS.map((s) => s.type));

/** Where node types are defined: the only places that may name them in a switch or comparison. */
const DEFINITIONS = [/^engine\/graph\/nodes\//, /^engine\/graph\/node-spec\.ts$/];
/** Tests and test support build documents and look nodes up by type; that is not node-type knowledge. */
const TEST_SUPPORT = [/\.test\.tsx?$/, /(^|\/)test-helpers\.ts$/, /^engine\/testing\//, /^renderer\/src\/test\//, /^engine\/onnx\/conformance\//];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.tsx?$/.test(e) && !e.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** `switch (x.type)` whose cases name node types, and `x.type === 'Linear'` (either way round), in one source text. */
export function nodeTypeKnowledge(text: string, names: ReadonlySet<string> = NAMES): string[] {
  const found: string[] = [];
  // Over a `type` (an ONNX op name such as `n.op` that happens to read 'Add' is not a node type).
  for (const m of text.matchAll(/switch\s*\(([^)]*\btype)\s*\)\s*\{/g)) {
    // The switch's body: up to its closing brace.
    let depth = 0;
    let end = m.index! + m[0].length - 1;
    for (; end < text.length; end++) {
      if (text[end] === '{') depth++;
      else if (text[end] === '}' && --depth === 0) break;
    }
    const body = text.slice(m.index!, end);
    const cases = [...body.matchAll(/case\s+'([A-Za-z0-9]+)'\s*:/g)].map((c) => c[1]!).filter((c) => names.has(c));
    if (cases.length > 0) found.push(`switch (${m[1]!.trim()}) over ${cases.join(', ')}`);
  }
  const operand = String.raw`[\w$.?!]*\btype\b(?:\.get\([^()]*\)|\))?`;
  const either = new RegExp(String.raw`(${operand})\s*([!=]==?)\s*'([A-Za-z0-9]+)'|'([A-Za-z0-9]+)'\s*([!=]==?)\s*(${operand})`, 'g');
  for (const m of text.matchAll(either)) {
    const name = m[3] ?? m[4]!;
    if (!names.has(name)) continue;
    found.push(m[3] !== undefined ? `${m[1]} ${m[2]} '${name}'` : `'${name}' ${m[5]} ${m[6]}`);
  }
  return found;
}

describe('every node type in one place', () => {
  const files = ['engine', 'renderer/src', 'electron'].flatMap((d) => sources(join(root, d))).map((f) => relative(root, f).split('\\').join('/'));
  const scanned = files.filter((f) => !DEFINITIONS.some((r) => r.test(f)) && !TEST_SUPPORT.some((r) => r.test(f)));

  it('scans the sources (a guard that it sees them)', () => {
    expect(scanned.length).toBeGreaterThan(150);
    expect(scanned).toContain('engine/onnx/export.ts');
    expect(scanned).toContain('renderer/src/lib/node-types.ts');
  });

  it('finds what it looks for: a switch over node types, a comparison with a type name, either way round', () => {
    const planted = [
      "switch (node.type) {\n  case 'Linear':\n    return 1;\n  case 'Relu':\n    return 2;\n}",
      "if (n.type === 'Loss') return;",
      "const sink = 'Output' !== def.type;",
      "doc.edges.filter((e) => type.get(e.target) === 'Loss');",
      "switch (e.type) { case 'start': break; }", // an event, not a node: not reported
      "if (opts.type === 'sgd') return;",
      "switch (n.op) { case 'Add': break; }", // an ONNX op, not a node type
    ].join('\n');
    expect(nodeTypeKnowledge(planted)).toEqual([
      'switch (node.type) over Linear',
      "n.type === 'Loss'",
      "'Output' !== def.type",
      "type.get(e.target) === 'Loss'",
    ]);
  });

  it('no source outside the node definitions switches on a node type or compares one with a type name', () => {
    const found = scanned.flatMap((f) => nodeTypeKnowledge(readFileSync(join(root, f), 'utf8')).map((w) => `${f}: ${w}`));
    // Ask the definition instead: `hasRole(node, …)`, `getNodeSpec(type).variant`, a definition's hook.
    expect(found).toEqual([]);
  });

  it('the spec module the renderer imports reaches no tensors, nn modules or node: builtins', () => {
    const seen = new Set<string>();
    const bad: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(?:import|export)[^'"\n]*from\s+['"]([^'"]+)['"]/gm)) {
        const spec = m[1]!;
        if (!spec.startsWith('.')) {
          bad.push(`${relative(root, file)} imports ${spec}`);
          continue;
        }
        visit(resolve(dirname(file), spec.endsWith('.ts') ? spec : `${spec}.ts`));
      }
    };
    visit(join(root, 'engine/graph/nodes/specs.ts'));
    const reached = [...seen].map((f) => relative(root, f).split('\\').join('/')).sort();
    expect(bad).toEqual([]);
    expect(reached.every((f) => f === 'engine/graph/node-spec.ts' || f === 'engine/graph/names.ts' || /^engine\/graph\/nodes\/(specs|[a-z]+\.spec)\.ts$/.test(f)), reached.join(', ')).toBe(true);
  });

  it('the renderer has no copy of a param or connection rule: it imports the spec module', () => {
    const renderer = files.filter((f) => f.startsWith('renderer/src/') && !TEST_SUPPORT.some((r) => r.test(f)));
    const text = (f: string) => readFileSync(join(root, f), 'utf8');
    // The engine's rule bodies, recognisable by their words.
    const copies = renderer.filter((f) => /must be a list of positive whole numbers|expects \$\{kindWords|=== 'tensor' \? 'a tensor'/.test(text(f)));
    expect(copies).toEqual([]);
    const importers = renderer.filter((f) => /from '(\.\.\/)+engine\/graph\/nodes\/specs'/.test(text(f)));
    expect(importers).toEqual(expect.arrayContaining(['renderer/src/inspector/param-text.ts', 'renderer/src/canvas/connection-problem.ts', 'renderer/src/lib/quick-fixes.ts']));
  });
});
