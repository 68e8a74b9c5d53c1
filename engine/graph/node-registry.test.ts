/**
 * The node registry: the ONE list of node types (issue 3's list), well-formed definitions, and
 * the node reference in docs/graph-format.md generated from it.
 *
 * The reference between the `node-reference` markers in docs/graph-format.md is rendered from the
 * registry by `renderNodeReference` below. When a node type changes, regenerate it with
 *   UPDATE_GRAPH_DOCS=1 npx vitest run engine/graph/node-registry.test.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { NodeDef, ParamSpec, PortDef } from './node-def';
import { parseDocument } from './document';
import { CATEGORY_ORDER, checkParam, getNodeDef, nodeRegistry, resolveParams } from './node-registry';
import { paramFieldProblem } from './node-spec';
import { validateDocument } from './validate';
import { ACTIVATIONS } from './nodes/activation';
import { LOSSES } from './nodes/loss';
import { NODE_SPECS } from './nodes/specs';
import { LINEAR_INITS } from '../nn/init';

function paramType(spec: ParamSpec): string {
  switch (spec.kind) {
    case 'int':
      return 'integer';
    case 'float':
      return 'number';
    case 'bool':
      return 'boolean';
    case 'enum':
      return 'one of';
    case 'string':
      return 'text';
    case 'shape':
      return spec.allowEmpty ? 'shape (list of positive integers, may be `[]`)' : 'shape (list of positive integers)';
    case 'dims':
      return 'list of dimensions or `null`';
    case 'tensor':
      return 'number or nested array';
  }
}

function paramRange(spec: ParamSpec): string {
  switch (spec.kind) {
    case 'int':
    case 'float': {
      const { min, max } = spec;
      if (min !== undefined && max !== undefined) return `${min} … ${max}`;
      if (min !== undefined) return `≥ ${min}`;
      if (max !== undefined) return `≤ ${max}`;
      return 'any';
    }
    case 'enum':
      return spec.options.map((o, i) => `\`${o}\`${spec.optionLabels?.[i] && spec.optionLabels[i] !== o ? ` (${spec.optionLabels[i]})` : ''}`).join(', ');
    default:
      return '';
  }
}

const code = (v: unknown): string => `\`${JSON.stringify(v)}\``;
const cell = (s: string): string => s.replace(/\|/g, '\\|');

function portRows(ports: readonly PortDef[], direction: string): string[] {
  return ports.map((p) => `| \`${p.name}\` | ${direction} | ${p.kind}${p.accepts ? ` (also ${p.accepts.join(', ')})` : ''}${p.optional ? ', optional' : ''} |`);
}

function renderNode(def: NodeDef): string {
  const lines = [`### ${def.type}`, '', `*${def.category}* — ${def.description}.`, ''];
  const ports = [...portRows(def.inputs, 'in'), ...portRows(def.outputs, 'out')];
  lines.push('| port | direction | kind |', '|---|---|---|', ...(ports.length > 0 ? ports : ['| — | | |']), '');
  const params = Object.entries(def.params);
  if (params.length === 0) lines.push('No params.');
  else {
    lines.push('| param | type | default | range / options | meaning |', '|---|---|---|---|---|');
    for (const [name, spec] of params) {
      const meaning = spec.follows ? `${spec.description}. Left unset, it follows ${spec.follows}` : spec.description;
      lines.push(`| \`${name}\` | ${paramType(spec)} | ${code(spec.default)} | ${cell(paramRange(spec))} | ${cell(meaning)} |`);
    }
  }
  if (def.docs) lines.push('', def.docs);
  lines.push('', `Shape: ${def.shapeDocs}`, '');
  return lines.join('\n');
}

/** The generated node reference: one section per node type, by category in palette order. */
function renderNodeReference(): string {
  const out: string[] = [];
  for (const category of CATEGORY_ORDER) {
    const defs = [...nodeRegistry.values()].filter((d) => d.category === category);
    if (defs.length === 0) continue;
    out.push(`## ${category}`, '');
    for (const def of defs) out.push(renderNode(def));
  }
  return out.join('\n').trimEnd();
}

const DOC = new URL('../../docs/graph-format.md', import.meta.url);
const BEGIN = '<!-- node-reference:begin (generated from the node registry by engine/graph/node-registry.test.ts; do not edit by hand) -->';
const END = '<!-- node-reference:end -->';

describe('node registry', () => {
  it('holds exactly the node types of issue 3', () => {
    expect([...nodeRegistry.keys()].sort()).toEqual(
      [
        'Input', 'Target', 'Constant', 'Parameter',
        'Linear', 'BatchNorm1d', 'Dropout', 'Flatten', 'Reshape',
        'Activation',
        'Add', 'Multiply', 'MatMul', 'Max', 'Power', 'Sum', 'Mean', 'Exp', 'Log',
        'Loss',
        'Output',
      ].sort(),
    );
  });

  it('Activation offers ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Step, Sign, Softmax, Identity', () => {
    const fn = getNodeDef('Activation')!.params['fn']!;
    expect(fn.kind === 'enum' && fn.options).toEqual([...ACTIVATIONS]);
    expect(fn.kind === 'enum' && fn.optionLabels).toEqual(['ReLU', 'LeakyReLU', 'Sigmoid', 'Tanh', 'GELU', 'Step', 'Sign', 'Softmax', 'Identity']);
  });

  it('Loss offers MSE (mean and ½·Σ/n), cross-entropy, BCE and the perceptron criterion', () => {
    const fn = getNodeDef('Loss')!.params['fn']!;
    expect(fn.kind === 'enum' && fn.options).toEqual([...LOSSES]);
    expect([...LOSSES]).toEqual(['mse', 'mse-half', 'crossEntropy', 'bce', 'perceptron']);
  });

  it.each([...nodeRegistry.values()].map((d) => [d.type, d] as const))('%s is well formed', (_type, def) => {
    expect(CATEGORY_ORDER).toContain(def.category);
    expect(def.label.length).toBeGreaterThan(0);
    expect(def.description.length).toBeGreaterThan(0);
    expect(def.description).not.toMatch(/\n/);
    for (const ports of [def.inputs, def.outputs]) expect(new Set(ports.map((p) => p.name)).size).toBe(ports.length);
    for (const k of def.keyParams ?? []) expect(Object.keys(def.params)).toContain(k);
    // Every default is a valid value of its own param.
    for (const [name, spec] of Object.entries(def.params)) expect(checkParam(name, spec, spec.default), `${def.type}.${name}`).toBeNull();
    expect(def.checkParams?.(resolveParams(def, {})) ?? []).toEqual([]);
    expect(def.shapeDocs.length, `shape rule of ${def.type} in words`).toBeGreaterThan(0);
  });

  it('is the spec module\'s list with behaviour added: same types, same order, the specs\' own ports and params', () => {
    expect([...nodeRegistry.values()].map((d) => d.type)).toEqual(NODE_SPECS.map((s) => s.type));
    for (const spec of NODE_SPECS) {
      const def = getNodeDef(spec.type)!;
      expect(def.inputs).toBe(spec.inputs);
      expect(def.params).toBe(spec.params);
    }
  });

  it('every node that is part of an inference model lowers to ONNX; Input, Output, Target and Loss do not', () => {
    const without = [...nodeRegistry.values()].filter((d) => !d.toOnnx).map((d) => d.type);
    expect(without).toEqual(['Input', 'Target', 'Loss', 'Output']);
    expect(without.every((t) => getNodeDef(t)!.role !== undefined)).toBe(true);
  });

  it('Linear offers the inits nn/init.ts implements', () => {
    const init = getNodeDef('Linear')!.params['init']!;
    expect(init.kind === 'enum' && init.options).toEqual([...LINEAR_INITS]);
  });

  it('roles: one node type each for the input, the target, the loss and the output', () => {
    const role = (r: string) => NODE_SPECS.filter((s) => s.role === r).map((s) => s.type);
    expect([role('input'), role('target'), role('loss'), role('output')]).toEqual([['Input'], ['Target'], ['Loss'], ['Output']]);
    expect(NODE_SPECS.filter((s) => s.trainable).map((s) => s.type)).toEqual(['Parameter', 'Linear', 'BatchNorm1d']);
    expect(NODE_SPECS.filter((s) => s.trainingOnly).map((s) => s.type)).toEqual(['Target', 'Loss']);
  });

  it("every node type is in one of the palette's categories, each category has one", () => {
    const categories = [...nodeRegistry.values()].map((d) => d.category);
    expect(categories.filter((c) => !CATEGORY_ORDER.includes(c))).toEqual([]);
    expect(CATEGORY_ORDER.filter((c) => !categories.includes(c))).toEqual([]);
  });

  it('resolveParams fills defaults and keeps given values', () => {
    const def = getNodeDef('Linear')!;
    expect(resolveParams(def, {})).toEqual({ inFeatures: 1, outFeatures: 8, bias: true, init: 'kaiming-uniform' });
    expect(resolveParams(def, { outFeatures: 8, bias: false, init: 'glorot-uniform' })).toEqual({ inFeatures: 1, outFeatures: 8, bias: false, init: 'glorot-uniform' });
  });

  it('checkParam messages', () => {
    const p = getNodeDef('Dropout')!.params['p']!;
    expect(checkParam('p', p, 1.5)).toBe('p must be ≤ 1, got 1.5');
    expect(checkParam('p', p, -0.1)).toBe('p must be ≥ 0, got -0.1');
    expect(checkParam('p', p, 1)).toBeNull();
    expect(checkParam('p', p, 'half')).toBe('p must be a number, got "half"');
    const dims = getNodeDef('Sum')!.params['dims']!;
    expect(checkParam('dims', dims, null)).toBeNull();
    expect(checkParam('dims', dims, [0, -1])).toBeNull();
    expect(checkParam('dims', dims, [0.5])).toBe('dims must be a list of dimension numbers or null, got [0.5]');
    const shape = getNodeDef('Reshape')!.params['shape']!;
    expect(checkParam('shape', shape, [2, 3])).toBeNull();
    expect(checkParam('shape', shape, [])).toBe('shape must not be empty');
    expect(checkParam('value', getNodeDef('Constant')!.params['value']!, [[1, 2], [3, 4]])).toBeNull();
    expect(checkParam('value', getNodeDef('Input')!.params['value']!, null)).toBeNull();
    // exclusiveMin: the renderer's text fields and the engine read one rule.
    const lr: ParamSpec = { kind: 'float', label: 'lr', description: '', default: 1, min: 0, exclusiveMin: true };
    expect(checkParam('lr', lr, 0)).toBe('lr must be > 0, got 0');
    expect(paramFieldProblem(lr, 0)).toBe('must be > 0');
    expect(checkParam('lr', lr, 0.1)).toBeNull();
  });
});

describe('docs/graph-format.md', () => {
  it('has the node reference generated from the registry (UPDATE_GRAPH_DOCS=1 to regenerate)', () => {
    const text = readFileSync(DOC, 'utf8');
    const start = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    expect(start, 'begin marker').toBeGreaterThanOrEqual(0);
    expect(end, 'end marker').toBeGreaterThan(start);
    const current = text.slice(start + BEGIN.length, end).trim();
    const expected = renderNodeReference();
    if (process.env['UPDATE_GRAPH_DOCS'] && current !== expected) {
      writeFileSync(DOC, `${text.slice(0, start + BEGIN.length)}\n\n${expected}\n\n${text.slice(end)}`);
      return;
    }
    expect(current).toBe(expected);
  });

  it('its complete example document parses and validates without a diagnostic', () => {
    const text = readFileSync(DOC, 'utf8');
    const m = /<!-- example:begin -->\s*```json\n([\s\S]*?)```\s*<!-- example:end -->/.exec(text);
    expect(m, 'example block').not.toBeNull();
    const r = parseDocument(m![1]!);
    if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    const xor = { featureShape: [2], targetShape: [], task: 'classification' as const, numClasses: 2 };
    const v = validateDocument(r.document, { data: xor });
    expect(v.diagnostics).toEqual([]);
    expect(r.document.training?.dataset?.name).toBe('xor');
    // The shapes the text under the example lists, in edge order.
    expect(r.document.edges.map((e) => v.edgeShapes.get(e.id)!.join('×'))).toEqual(['N×2', 'N×4', 'N×4', 'N×1', 'N×1', 'N×1']);
  });
});
