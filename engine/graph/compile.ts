/**
 * The compiler: a valid graph document becomes an executable model — parameters owned by node
 * ids, a forward function built from engine ops, the loss, and a map from every canvas edge to
 * the engine tensor that flows on it (the backprop view reads each edge's value and gradient).
 */
import type { Tensor } from '../core/tensor';
import { EngineError } from '../core/errors';
import { Generator } from '../core/random';
import type { GraphDocument, GraphNode, TensorValue } from './document';
import type { BatchFeed, DataBinding, NodeDef, NodeRuntime } from './node-def';
import { getNodeDef } from './node-registry';
import { hasRole } from './nodes/specs';
import { identity } from '../ops/functional';
import { opScope } from '../ops/define-op';
import { formatDiagnostic, validateDocument, type Diagnostic, type ValidationPurpose, type ValidationResult } from './validate';
import { nodeTitle, portKey } from './names';

export class GraphCompileError extends EngineError {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super(`the graph has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${errors.map(formatDiagnostic).join('\n')}`);
    this.name = 'GraphCompileError';
  }
}

export interface CompileOptions {
  /** Seeds every node's initialisation (each node draws from its own stream, so editing one node leaves the others' values alone). */
  seed?: number;
  data?: DataBinding | null;
  /** What the graph is validated for (`validate.ts`); default `run`. */
  purpose?: ValidationPurpose;
  /** Require a Loss node: training's Loss check without its dataset check (`trainDocument` passes true). */
  requireLoss?: boolean;
}

/** A parameter of the compiled model, owned by a canvas node. */
export interface NodeParameter {
  readonly nodeId: string;
  /** `weight`, `bias`, `value`. */
  readonly name: string;
  readonly tensor: Tensor;
}

export interface ForwardOptions {
  training: boolean;
  /** Keep `.grad` on every port tensor during backward (for `bpstudio grad` and the backprop view). */
  retainGrad?: boolean;
  /**
   * Give every edge its own tensor (an identity op), so that each edge has its own gradient —
   * where an output fans out, each branch's part — in `ForwardResult.edges`.
   */
  perEdge?: boolean;
  /** With `perEdge`: replace the tensor on these edges (finite-difference checks perturb one edge). */
  edgeOverrides?: ReadonlyMap<string, Tensor>;
}

export interface ForwardResult {
  /** The tensor on every output port, keyed `nodeId:port`. */
  readonly values: ReadonlyMap<string, Tensor>;
  /** The Loss node's value, when there is one. */
  readonly loss: Tensor | null;
  /** What backward starts from: the loss, or in a lesson graph without Loss the single scalar Output. */
  readonly objective: Tensor | null;
  /** The tensor feeding the Loss's prediction input (or the first Output). */
  readonly prediction: Tensor | null;
  /** Named model outputs (Output nodes). */
  readonly outputs: Readonly<Record<string, Tensor>>;
  /** With `perEdge`: the tensor on every edge (edge id → tensor). */
  readonly edges: ReadonlyMap<string, Tensor>;
}

/** FNV-1a of a string: a stable 32-bit seed per node id. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export class CompiledGraph {
  readonly nodes: ReadonlyMap<string, GraphNode>;
  /** Nodes in execution order. */
  readonly order: readonly GraphNode[];
  readonly runtimes: ReadonlyMap<string, NodeRuntime>;
  readonly defs: ReadonlyMap<string, NodeDef>;
  /** Edge id → `nodeId:port` of the tensor it carries. */
  readonly edgeSource: ReadonlyMap<string, string>;
  readonly lossNodeId: string | null;
  /** `nodeId:port` feeding the Loss's prediction (or the first Output). */
  readonly predictionKey: string | null;
  readonly outputNodes: readonly { nodeId: string; name: string; key: string }[];
  private readonly inputsOf: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Node id → input port → the edge id feeding it. */
  readonly inputEdges: ReadonlyMap<string, ReadonlyMap<string, string>>;

  /** Each node's seeded generator (initialisation, dropout masks): a traced step saves and restores them. */
  readonly generators = new Map<string, Generator>();

  constructor(
    readonly document: GraphDocument,
    readonly validation: ValidationResult,
    readonly seed: number,
    readonly data: DataBinding | null,
  ) {
    this.nodes = new Map(document.nodes.map((n) => [n.id, n]));
    this.order = validation.order.map((id) => this.nodes.get(id)!);
    const inputsOf = new Map<string, Map<string, string>>();
    const inputEdges = new Map<string, Map<string, string>>();
    const edgeSource = new Map<string, string>();
    for (const e of document.edges) {
      const key = portKey(e.source, e.sourcePort);
      edgeSource.set(e.id, key);
      const m = inputsOf.get(e.target) ?? new Map<string, string>();
      m.set(e.targetPort, key);
      inputsOf.set(e.target, m);
      const em = inputEdges.get(e.target) ?? new Map<string, string>();
      em.set(e.targetPort, e.id);
      inputEdges.set(e.target, em);
    }
    this.inputsOf = inputsOf;
    this.inputEdges = inputEdges;
    this.edgeSource = edgeSource;
    const defs = new Map<string, NodeDef>();
    const runtimes = new Map<string, NodeRuntime>();
    for (const node of this.order) {
      const def = getNodeDef(node.type)!;
      defs.set(node.id, def);
      const inputShapes = Object.fromEntries([...(inputsOf.get(node.id) ?? [])].map(([p, k]) => [p, validation.portShapes.get(k)!]));
      const outputShapes = Object.fromEntries(def.outputs.map((p) => [p.name, validation.portShapes.get(portKey(node.id, p.name))!]));
      runtimes.set(
        node.id,
        def.build({
          node,
          params: validation.params.get(node.id)!,
          inputShapes,
          outputShapes,
          generator: this.generatorOf(node.id),
          weights: node.weights,
          data,
        }),
      );
    }
    this.defs = defs;
    this.runtimes = runtimes;
    const loss = this.order.find((n) => hasRole(n, 'loss'));
    this.lossNodeId = loss?.id ?? null;
    this.outputNodes = this.order
      .filter((n) => hasRole(n, 'output'))
      .map((n) => ({ nodeId: n.id, name: String(validation.params.get(n.id)!['name'] || n.label || n.id), key: inputsOf.get(n.id)!.get('in')! }));
    this.predictionKey = loss ? (inputsOf.get(loss.id)?.get('prediction') ?? null) : (this.outputNodes[0]?.key ?? null);
  }

  private generatorOf(nodeId: string): Generator {
    const g = new Generator(hash32(`${this.seed}:${nodeId}`));
    this.generators.set(nodeId, g);
    return g;
  }

  /** Every trainable tensor with its owning node, in execution order (PyTorch order within a node). */
  parameters(): NodeParameter[] {
    const out: NodeParameter[] = [];
    for (const node of this.order) for (const [name, t] of this.runtimes.get(node.id)!.parameters) out.push({ nodeId: node.id, name, tensor: t });
    return out;
  }
  parameterTensors(): Tensor[] {
    return this.parameters().map((p) => p.tensor);
  }
  buffers(): NodeParameter[] {
    const out: NodeParameter[] = [];
    for (const node of this.order) for (const [name, t] of this.runtimes.get(node.id)!.buffers) out.push({ nodeId: node.id, name, tensor: t });
    return out;
  }
  /** Trainable values of one node (its own runtime only: linear over a document's nodes), or of the whole graph. */
  parameterCount(nodeId?: string): number {
    if (nodeId === undefined) return this.parameters().reduce((a, p) => a + p.tensor.size, 0);
    let n = 0;
    for (const [, t] of this.runtimes.get(nodeId)?.parameters ?? []) n += t.size;
    return n;
  }

  /** The Loss's function (`crossEntropy`, `bce`, `perceptron`, …), null without a Loss: the one place it is looked up. */
  get lossFn(): string | null {
    return this.lossNodeId ? String(this.validation.params.get(this.lossNodeId)!['fn']) : null;
  }

  /** Run the graph on a batch. */
  forward(feed: BatchFeed, options: ForwardOptions): ForwardResult {
    const values = new Map<string, Tensor>();
    const edges = new Map<string, Tensor>();
    const ctx = { training: options.training, feed };
    // Without targets (prediction), Target nodes and everything that depends on them are skipped.
    const skipped = new Set<string>();
    for (const node of this.order) {
      const def = this.defs.get(node.id)!;
      const targetless = hasRole(node, 'target') && !feed.targets && !feed.inputs?.[node.id] && !(node.label && feed.inputs?.[node.label]);
      const ins = this.inputsOf.get(node.id) ?? new Map<string, string>();
      if (targetless || [...ins.values()].some((k) => skipped.has(k.slice(0, k.lastIndexOf(':'))))) {
        skipped.add(node.id);
        continue;
      }
      const inputs: Record<string, Tensor> = {};
      for (const [p, key] of ins) {
        let t = values.get(key)!;
        const override = options.edgeOverrides?.get(this.inputEdges.get(node.id)!.get(p)!);
        if (override) t = override;
        else if (options.perEdge && t.requiresGrad) {
          t = identity(t);
          if (options.retainGrad) t.retainGrad();
        }
        if (options.perEdge) edges.set(this.inputEdges.get(node.id)!.get(p)!, t);
        inputs[p] = t;
      }
      let outs: Record<string, Tensor>;
      try {
        const rt = this.runtimes.get(node.id)!;
        outs = opScope(node.id, () => rt.forward(inputs, ctx));
      } catch (e) {
        const err = new EngineError(`${nodeTitle(node, def)}: ${(e as Error).message}`);
        (err as EngineError & { nodeId?: string }).nodeId = node.id;
        throw err;
      }
      for (const [p, t] of Object.entries(outs)) {
        if (options.retainGrad && t.requiresGrad && !t.isLeaf) t.retainGrad();
        values.set(portKey(node.id, p), t);
      }
    }
    const loss = this.lossNodeId ? (values.get(portKey(this.lossNodeId, 'loss')) ?? null) : null;
    const outputs: Record<string, Tensor> = {};
    for (const o of this.outputNodes) {
      const v = values.get(o.key);
      if (v) outputs[o.name] = v;
    }
    const prediction = this.predictionKey ? (values.get(this.predictionKey) ?? null) : null;
    let objective = loss;
    if (!objective && this.outputNodes.length === 1) {
      const v = values.get(this.outputNodes[0]!.key);
      if (v && v.size === 1) objective = v;
    }
    return { values, loss, objective, prediction, outputs, edges };
  }

  /** The tensor carried by a canvas edge in a forward result. */
  edgeValue(result: ForwardResult, edgeId: string): Tensor | undefined {
    const key = this.edgeSource.get(edgeId);
    return key ? result.values.get(key) : undefined;
  }

  /** The first node (in execution order) whose output holds NaN or ±Inf, if any. */
  firstNonFinite(result: ForwardResult): { nodeId: string; port: string } | null {
    for (const node of this.order) {
      for (const [key, t] of result.values) {
        if (!key.startsWith(`${node.id}:`)) continue;
        const d = t.data;
        for (let i = 0; i < d.length; i++) {
          if (!Number.isFinite(d[i]!)) return { nodeId: node.id, port: key.slice(node.id.length + 1) };
        }
      }
    }
    return null;
  }

  /** Parameters and buffers as plain data keyed by node id and name (trained-model files). */
  exportWeights(): Record<string, Record<string, TensorValue>> {
    const out: Record<string, Record<string, TensorValue>> = {};
    for (const p of [...this.parameters(), ...this.buffers()]) {
      (out[p.nodeId] ??= {})[p.name] = { shape: [...p.tensor.shape], data: Array.from(p.tensor.data) };
    }
    return out;
  }

  /** Load values saved by `exportWeights`; every name must exist with the same size. */
  loadWeights(weights: Readonly<Record<string, Readonly<Record<string, TensorValue>>>>): void {
    for (const p of [...this.parameters(), ...this.buffers()]) {
      const v = weights[p.nodeId]?.[p.name];
      if (!v) throw new EngineError(`saved weights have no "${p.name}" for node "${p.nodeId}"`);
      if (v.data.length !== p.tensor.size) {
        throw new EngineError(`saved "${p.name}" of node "${p.nodeId}" has ${v.data.length} values, the model needs ${p.tensor.size} (shape [${p.tensor.shape.join(', ')}])`);
      }
      p.tensor.data.set(v.data);
    }
  }
}

/** Validate and compile; throws GraphCompileError with the diagnostics when the document has errors. */
export function compileDocument(doc: GraphDocument, options: CompileOptions = {}): CompiledGraph {
  const validation = validateDocument(doc, {
    data: options.data ?? null,
    ...(options.purpose !== undefined ? { purpose: options.purpose } : {}),
    ...(options.requireLoss !== undefined ? { requireLoss: options.requireLoss } : {}),
  });
  if (!validation.ok) throw new GraphCompileError(validation.diagnostics);
  return new CompiledGraph(doc, validation, options.seed ?? doc.training?.seed ?? 0, options.data ?? null);
}
