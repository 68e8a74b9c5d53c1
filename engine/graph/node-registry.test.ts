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
import { CATEGORY_ORDER, checkParam, getNodeDef, nodeRegistry, paletteGroups, resolveParams } from './node-registry';
import { validateDocument } from './validate';
import { ACTIVATIONS } from './nodes/activation';
import { LOSSES } from './nodes/loss';

/** The shape rule of each node type, in words (the registry holds it as code). */
const SHAPE_RULES: Record<string, string> = {
  Input:
    'Batched: `N×shape`, where `shape` is the param or, when empty, the dataset\'s feature shape (when both are given they must agree). Unbatched (`batched: false`): `shape`, or the shape of `value` when `shape` is empty.',
  Target:
    'Classification: `index` → `N`; `onehot` → `N×C` (C = the dataset\'s number of classes, so it needs a dataset); `column` and `signed` → `N×1`. Regression datasets: `N×T` whatever the encoding.',
  Constant: 'The shape of `value` (a number is a scalar).',
  Parameter: '`shape` (`[]`: a scalar).',
  Linear: '`…×inFeatures` → `…×outFeatures`; the last dimension of the input must equal `inFeatures`; a scalar input is refused.',
  BatchNorm1d: '`N×C` → `N×C` with `C = numFeatures`; any other rank is refused.',
  Dropout: 'Same shape as the input.',
  Flatten: '`d0×d1×…×dk` → `d0×(d1·…·dk)`; only the first dimension may be `N` (`N×28×28` → `N×784`).',
  Reshape: 'Batched input: `N×…` → `N×shape`; unbatched: `…` → `shape`. The number of elements per sample must not change.',
  Activation: 'Same shape as the input; `softmax` normalises the last dimension and needs at least one.',
  Add: 'Broadcast of `a` and `b` (NumPy/PyTorch rules; `N` matches only `N` or 1).',
  Multiply: 'Broadcast of `a` and `b` (as Add).',
  MatMul: '`torch.matmul` rules: `…×n×k · k×m` → `…×n×m`; a 1-D `a` is a row, a 1-D `b` a column, and that dimension is dropped from the result (vector · vector → scalar). Leading (batch) dimensions broadcast.',
  Max: 'Broadcast of `a` and `b` (as Add).',
  Power: 'Same shape as the input.',
  Sum: 'The input without the dimensions in `dims` (negative dims count from the end; `null` or `[]`: all, giving a scalar); with `keepDim` they stay as size 1.',
  Mean: 'As Sum.',
  Exp: 'Same shape as the input.',
  Log: 'Same shape as the input.',
  Loss:
    'A scalar. `crossEntropy`: `prediction` `N×C` logits (C at least the dataset\'s number of classes) and `target` `N` class indices (Target encoding `index`). `mse`, `mse-half`, `bce`, `perceptron`: `prediction` and `target` of the same shape.',
  Output: 'Accepts any shape; has no outputs.',
};

/** What a node does beyond its one-line description, where that needs saying. */
const NOTES: Record<string, string> = {
  Input:
    'Fed with the batch\'s features; in lesson graphs a value can be fed per node (by id or label), else `value` is used.',
  Target:
    'Fed with the batch\'s targets, encoded for the loss: `index` class indices (cross-entropy), `onehot` rows of 0/1, `column` the class value as a float column (BCE, or MSE on a sigmoid), `signed` −1/+1 (the perceptron criterion; two classes only). Skipped when predicting without targets.',
  Parameter: 'A trainable tensor whose start values come from `init`, drawn from the node\'s own seeded stream; stored as weight `value`.',
  Linear:
    'Parameters `weight` `[outFeatures, inFeatures]` and `bias` `[outFeatures]`, drawn from the node\'s own seeded stream (weight first) as `init` says: `kaiming-uniform` (the default; PyTorch\'s `nn.Linear`: W ~ U(±1/√fan_in) — `kaiming_uniform_` with a = √5 — and b ~ U(±1/√fan_in)), `kaiming-normal` (He normal, `kaiming_normal_` for ReLU: W ~ N(0, 2/fan_in)), `he-uniform` (Keras `he_uniform`: W ~ U(±√(6/fan_in))), `glorot-uniform` (Keras\' `Dense` default, `xavier_uniform_`: W ~ U(±√(6/(fan_in+fan_out)))), `glorot-normal` (`xavier_normal_`: W ~ N(0, 2/(fan_in+fan_out))) and `zeros` (W = 0: every unit of a layer stays the same, the symmetry lesson). All but `kaiming-uniform` start b at 0, as Keras does; the normal ones are not truncated (PyTorch\'s; Keras truncates at 2σ). A document without `init` gets `kaiming-uniform`; stored `weights` replace the init.',
  BatchNorm1d: 'Parameters `weight`, `bias`; buffers `running_mean`, `running_var`. Batch statistics while training, running statistics otherwise.',
  Dropout: 'Only active while training; the mask comes from the node\'s own seeded stream.',
  Loss:
    '`mse`: mean of squared errors (PyTorch `MSELoss`); `mse-half`: the lecture\'s e = 1/(2n)·Σ‖y−o‖² (n samples); `crossEntropy`: from logits with class-index targets (PyTorch `CrossEntropyLoss`); `bce`: binary cross-entropy from logits (`BCEWithLogitsLoss`); `perceptron`: Σ over misclassified samples of −y·s, y ∈ {−1, +1}. A graph has at most one Loss; training needs one.',
  Output:
    'Names a model output for `bpstudio predict` and ONNX export. In a lesson graph without a Loss, a single scalar Output is what backward starts from.',
};

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
  if (NOTES[def.type]) lines.push('', NOTES[def.type]!);
  lines.push('', `Shape: ${SHAPE_RULES[def.type] ?? '(not documented)'}`, '');
  return lines.join('\n');
}

/** The generated node reference: one section per node type, by category in palette order. */
function renderNodeReference(): string {
  const out: string[] = [];
  for (const group of paletteGroups()) {
    if (group.items.length === 0) continue;
    out.push(`## ${group.category}`, '');
    for (const item of group.items) out.push(renderNode(getNodeDef(item.type)!));
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
    expect(SHAPE_RULES[def.type], `shape rule of ${def.type} in SHAPE_RULES`).toBeDefined();
  });

  it('the palette lists every node type once, grouped in category order', () => {
    const groups = paletteGroups();
    expect(groups.map((g) => g.category)).toEqual([...CATEGORY_ORDER]);
    const types = groups.flatMap((g) => g.items.map((i) => i.type));
    expect(types.sort()).toEqual([...nodeRegistry.keys()].sort());
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
