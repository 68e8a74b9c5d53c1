/**
 * The graph document: what the canvas edits and `bpstudio` reads — nodes with typed params and
 * positions, edges between ports, and optional training settings. Parsed with zod; every
 * problem is reported with its JSON path. Older format versions are migrated; newer ones are
 * refused with a clear message. Documented in docs/graph-format.md.
 */
import { z } from 'zod';
import { isFiniteFloat32 } from '../core/dtype';

export const CURRENT_FORMAT_VERSION = 3;

const finite = z.number().refine(Number.isFinite, { message: 'must be a finite number' });
/** A setting the training graph uses as a float32 constant: 1e39 would become Infinity there. */
const float32 = finite.refine(isFiniteFloat32, { message: 'overflows float32 (the largest float32 is 3.4028235e+38)' });

/** Explicit parameter values stored on a node: fixed-weight lessons and imported models. */
export const tensorValueSchema = z.object({
  shape: z.array(z.number().int().nonnegative()),
  data: z.array(finite),
});
export type TensorValue = z.infer<typeof tensorValueSchema>;

export const nodeSchema = z.object({
  id: z.string().min(1, 'node id must not be empty'),
  type: z.string().min(1),
  label: z.string().optional(),
  params: z.record(z.string(), z.unknown()).default({}),
  position: z.object({ x: finite, y: finite }).default({ x: 0, y: 0 }),
  /** Parameter tensors by name (`weight`, `bias`) that replace the initialiser. */
  weights: z.record(z.string(), tensorValueSchema).optional(),
});
export type GraphNode = z.infer<typeof nodeSchema>;

export const edgeSchema = z.object({
  id: z.string().min(1),
  source: z.string().min(1),
  sourcePort: z.string().min(1).default('out'),
  target: z.string().min(1),
  targetPort: z.string().min(1).default('in'),
});
export type GraphEdge = z.infer<typeof edgeSchema>;

export const datasetRefSchema = z.object({
  /** A built-in dataset name (`xor`, `iris`, `circle`, …) or a file path (CSV, IDX images). */
  name: z.string().min(1),
  /** Built-in dataset params (`n`, `noise`, `seed`, `labels`) or file options (CSV: `label`, `task`; IDX: `labels` file, `limit`, `classes`). */
  params: z.record(z.string(), z.union([z.number(), z.string()])).default({}),
});
export type DatasetRef = z.infer<typeof datasetRefSchema>;

/** What Adam and AdamW share (their weight decays differ: an L2 term, or decoupled). */
const adamFields = {
  lr: float32.positive().default(0.001),
  beta1: finite.min(0).lt(1).default(0.9),
  beta2: finite.min(0).lt(1).default(0.999),
  eps: float32.positive().default(1e-8),
};

export const optimizerSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('sgd'),
    lr: float32.positive(),
    momentum: finite.min(0).max(1).default(0),
    weightDecay: float32.min(0).default(0),
    nesterov: z.boolean().default(false),
  }),
  z.object({
    type: z.literal('adam'),
    ...adamFields,
    /** L2 penalty added to the gradient (torch.optim.Adam's weight_decay). */
    weightDecay: float32.min(0).default(0),
  }),
  z.object({
    type: z.literal('adamw'),
    ...adamFields,
    /** Decoupled weight decay: each step multiplies the parameters by 1 − lr·λ (torch.optim.AdamW, default 0.01). */
    weightDecay: float32.min(0).default(0.01),
  }),
]);
export type OptimizerSettings = z.infer<typeof optimizerSchema>;
export type OptimizerType = OptimizerSettings['type'];
/** The optimizers a document can name, in the order the app offers them. */
export const OPTIMIZER_TYPES: readonly OptimizerType[] = ['sgd', 'adam', 'adamw'];

/** The learning rate an optimizer gets when none is given (PyTorch's SGD has none; 0.01 is what the examples use). */
export const DEFAULT_LR: Readonly<Record<OptimizerType, number>> = { sgd: 0.01, adam: 0.001, adamw: 0.001 };

/**
 * An optimizer of `type` with every setting at its default (the schema's: SGD without momentum,
 * Adam's β 0.9/0.999 and ε 1e-8) and the given learning rate — the one table of optimizer
 * defaults, for `--optimizer` on the command line and the Training panel's optimizer switch.
 */
export function defaultOptimizer(type: OptimizerType, lr: number = DEFAULT_LR[type]): OptimizerSettings {
  return optimizerSchema.parse({ type, lr });
}

export const trainingSchema = z.object({
  dataset: datasetRefSchema.optional(),
  /** A separate test set (e.g. Fashion-MNIST's t10k files); when given, `split.test` is not used. */
  testDataset: datasetRefSchema.optional(),
  /** Adam with lr 0.01 unless the document says otherwise (format 2 defaulted to SGD, lr 0.01). */
  optimizer: optimizerSchema.default(() => defaultOptimizer('adam', 0.01)),
  batchSize: z.number().int().positive().default(32),
  /** Unset: enough epochs for about 300 optimizer steps (engine/train/defaults.ts). */
  epochs: z.number().int().positive().optional(),
  seed: z.number().int().default(0),
  /** Fractions of the data held out; the rest trains. */
  split: z
    .object({
      /** Unset: 0.2, or — for datasets under 50 rows — train and test on every row (engine/train/defaults.ts). */
      test: finite.min(0).lt(1).optional(),
      validation: finite.min(0).lt(1).default(0),
      stratify: z.boolean().default(true),
    })
    .default({ validation: 0, stratify: true }),
  normalize: z.enum(['none', 'standardize', 'minmax', 'scale255']).default('none'),
  shuffle: z.boolean().default(true),
  dropLast: z.boolean().default(false),
});
export type TrainingSettings = z.infer<typeof trainingSchema>;

/**
 * How a lesson is taught (a teacher's choice saved with the lesson): `predictFirst` opens Backprop
 * mode with each gradient hidden until the student guesses it.
 */
export const lessonSchema = z.object({
  predictFirst: z.boolean().optional(),
});
export type LessonSettings = z.infer<typeof lessonSchema>;

export const documentSchema = z.object({
  formatVersion: z.literal(CURRENT_FORMAT_VERSION),
  name: z.string().default('Untitled'),
  description: z.string().optional(),
  nodes: z.array(nodeSchema),
  edges: z.array(edgeSchema).default([]),
  training: trainingSchema.optional(),
  lesson: lessonSchema.optional(),
});
export type GraphDocument = z.infer<typeof documentSchema>;
/** A document as written by hand or an older app: defaults not yet applied. */
export type GraphDocumentInput = z.input<typeof documentSchema>;

/**
 * The `format` field of a trained-model file (engine/graph/trained-model.ts: a document with its
 * weights). Here, with no file system or tensors, so the renderer tells files apart by the same rule.
 */
export const TRAINED_MODEL_FORMAT = 'bpstudio-trained-model';

/** Is this parsed JSON a trained-model file (rather than a bare graph document)? */
export function isTrainedModel(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)['format'] === TRAINED_MODEL_FORMAT;
}

/** One problem found while reading a document file, with the JSON path where it is. */
export interface DocumentIssue {
  /** JSON path, e.g. `nodes[2].params.outFeatures` (empty for the whole document). */
  path: string;
  message: string;
}

export type ParseResult = { ok: true; document: GraphDocument; migratedFrom?: number } | { ok: false; issues: DocumentIssue[] };

/** `nodes[2].params` from ['nodes', 2, 'params']. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

/**
 * Migrations from each older format version to the next. Version 1 (the first drafts) wrote
 * edges as `{ from: { node, port }, to: { node, port } }`; version 2 writes xyflow's flat
 * `source`/`sourcePort`/`target`/`targetPort`.
 */
const migrations: Record<number, (doc: Record<string, unknown>) => Record<string, unknown>> = {
  1: (doc) => {
    const edges = Array.isArray(doc['edges']) ? (doc['edges'] as unknown[]) : [];
    // Edges without an id get `e<index>`, unless another edge already has that id.
    const taken = new Set(edges.map((e) => (typeof e === 'object' && e !== null ? (e as Record<string, unknown>)['id'] : undefined)));
    const freshId = (i: number): string => {
      let id = `e${i}`;
      while (taken.has(id)) id = `${id}_`;
      taken.add(id);
      return id;
    };
    return {
      ...doc,
      formatVersion: 2,
      edges: edges.map((e, i) => {
        if (typeof e !== 'object' || e === null) return e;
        const r = e as Record<string, unknown>;
        const from = (r['from'] ?? {}) as Record<string, unknown>;
        const to = (r['to'] ?? {}) as Record<string, unknown>;
        return { id: r['id'] ?? freshId(i), source: from['node'], sourcePort: from['port'] ?? 'out', target: to['node'], targetPort: to['port'] ?? 'in' };
      }),
    };
  },
  /**
   * Version 3 lets values follow the graph and the data when a document leaves them unset: a
   * Linear's in/out features and a BatchNorm1d's features follow their input (and the Loss), a
   * Target's encoding follows its Loss, training's epochs and test fraction follow the dataset,
   * and the optimizer defaults to Adam. A version 2 document meant the old defaults by leaving
   * them out, so they are written in.
   */
  2: (doc) => {
    const nodes = Array.isArray(doc['nodes']) ? (doc['nodes'] as unknown[]) : doc['nodes'];
    const v2Defaults: Record<string, Record<string, unknown>> = {
      Linear: { inFeatures: 1, outFeatures: 1 },
      BatchNorm1d: { numFeatures: 1 },
      Target: { encoding: 'index' },
    };
    const withDefaults = (n: unknown): unknown => {
      if (typeof n !== 'object' || n === null) return n;
      const r = n as Record<string, unknown>;
      const defaults = typeof r['type'] === 'string' ? v2Defaults[r['type']] : undefined;
      if (!defaults) return n;
      const params = typeof r['params'] === 'object' && r['params'] !== null ? (r['params'] as Record<string, unknown>) : {};
      return { ...r, params: { ...defaults, ...params } };
    };
    const out: Record<string, unknown> = { ...doc, formatVersion: 3, nodes: Array.isArray(nodes) ? nodes.map(withDefaults) : nodes };
    const training = doc['training'];
    if (typeof training === 'object' && training !== null) {
      const t = training as Record<string, unknown>;
      const split = typeof t['split'] === 'object' && t['split'] !== null ? (t['split'] as Record<string, unknown>) : {};
      out['training'] = {
        ...t,
        optimizer: t['optimizer'] ?? { type: 'sgd', lr: 0.01 },
        epochs: t['epochs'] ?? 10,
        split: { ...split, test: split['test'] ?? 0.2 },
      };
    }
    return out;
  },
};

/** Parse a document from JSON text or a value: schema check, migration, unique ids. Never throws. */
export function parseDocument(input: unknown): ParseResult {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      return { ok: false, issues: [{ path: '', message: `not valid JSON: ${(e as Error).message}` }] };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, issues: [{ path: '', message: 'a graph document must be a JSON object with formatVersion, nodes and edges' }] };
  }
  let raw = value as Record<string, unknown>;
  const version = raw['formatVersion'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return { ok: false, issues: [{ path: 'formatVersion', message: `formatVersion must be a positive integer, got ${JSON.stringify(version)}` }] };
  }
  if (version > CURRENT_FORMAT_VERSION) {
    return {
      ok: false,
      issues: [{
        path: 'formatVersion',
        message: `this document has formatVersion ${version}, newer than this version of Backprop Studio understands (${CURRENT_FORMAT_VERSION}); update the app to open it`,
      }],
    };
  }
  for (let v = version; v < CURRENT_FORMAT_VERSION; v++) raw = migrations[v]!(raw);
  const parsed = documentSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
  }
  const doc = parsed.data;
  const issues: DocumentIssue[] = [];
  const seen = new Map<string, number>();
  doc.nodes.forEach((n, i) => {
    if (seen.has(n.id)) issues.push({ path: `nodes[${i}].id`, message: `duplicate node id "${n.id}" (also nodes[${seen.get(n.id)}])` });
    else seen.set(n.id, i);
  });
  const seenEdges = new Set<string>();
  doc.edges.forEach((e, i) => {
    if (seenEdges.has(e.id)) issues.push({ path: `edges[${i}].id`, message: `duplicate edge id "${e.id}"` });
    seenEdges.add(e.id);
  });
  if (issues.length > 0) return { ok: false, issues };
  return version < CURRENT_FORMAT_VERSION ? { ok: true, document: doc, migratedFrom: version } : { ok: true, document: doc };
}
