/**
 * Validation and shape inference of a graph document. Never throws on a user document: every
 * problem becomes a diagnostic naming the node (and port) at fault in words a person
 * understands, e.g. `Linear "hidden": input has 3 features but in_features is 4`.
 */
import type { GraphDocument, GraphEdge, GraphNode } from './document';
import type { DataBinding, FedLoss, LossFeed, NodeDef, ParamValues, PortDef } from './node-def';
import { connectionProblem, kindWords } from './node-spec';
import { NodeShapeError } from './node-def';
import { checkParam, getNodeDef, resolveParams } from './node-registry';
import { predictionWidthFor } from './nodes/loss';
import { formatSymShape, type SymShape } from './symbolic';
import { nodeTitle, portKey } from './names';
import { hasRole } from './nodes/specs';

export { connectionProblem };

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: Severity;
  /** A stable machine-readable kind, e.g. `shape-mismatch`, `cycle`, `missing-input`. */
  code: string;
  message: string;
  nodeId?: string;
  port?: string;
  edgeId?: string;
  /**
   * `train`: a diagnostic of training, not of the graph — the graph is valid and runs forward,
   * but cannot be trained as it is (no Loss, no dataset). Absent for the graph's own diagnostics.
   */
  level?: 'train';
}

/**
 * What the graph is validated for. There are two levels: a **valid** graph (structure, params,
 * shapes — every Loss's prediction and target shapes included) runs forward; a **trainable**
 * one also has a Loss and a dataset to take its inputs and targets from.
 * - `run`: the first level only (inference, lesson graphs, `bpstudio grad`);
 * - `train`: both; what training lacks is an error (`bpstudio train`, the app's Start);
 * - `inspect`: the first level, and what training would lack as `info` notes (`bpstudio info`,
 *   the app's Problems list): the graph is still valid.
 */
export type ValidationPurpose = 'run' | 'train' | 'inspect';

export interface ValidateOptions {
  /** Shapes come from this dataset (its feature and target shapes, number of classes). */
  data?: DataBinding | null;
  /** Default `run`. */
  purpose?: ValidationPurpose;
  /**
   * The compiler's switch for the Loss alone: true requires a Loss node (an error, `level:
   * 'train'`) whatever the purpose, without the dataset check. Prefer `purpose: 'train'`.
   */
  requireLoss?: boolean;
}

export interface ValidationResult {
  /** True when there is no error (warnings and notes allowed). */
  ok: boolean;
  diagnostics: Diagnostic[];
  /** Nodes in an order where every node comes after its inputs (cycles excluded). */
  order: string[];
  /** Inferred shape of every output port, keyed `nodeId:port`. */
  portShapes: Map<string, SymShape>;
  /** Inferred shape of every edge (the shape of its source port). */
  edgeShapes: Map<string, SymShape>;
  /** Params with defaults applied, per node (and the followed values, below, merged in). */
  params: Map<string, ParamValues>;
  /** Per node, the params the document left unset that follow the graph, with the values they took. */
  followed: Map<string, Record<string, unknown>>;
  /**
   * Trainable values per node whose shapes were inferred (0 for nodes without parameters),
   * counted from params and shapes: nothing is initialised to count them.
   */
  parameterCounts: Map<string, number>;
}

export function validateDocument(doc: GraphDocument, options: ValidateOptions = {}): ValidationResult {
  const diagnostics: Diagnostic[] = [];
  const defs = new Map<string, NodeDef>();
  const params = new Map<string, ParamValues>();
  const err = (d: Omit<Diagnostic, 'severity'>): void => void diagnostics.push({ severity: 'error', ...d });
  const warn = (d: Omit<Diagnostic, 'severity'>): void => void diagnostics.push({ severity: 'warning', ...d });

  // 0. Unique ids (parseDocument checks them too; a document built in code may not have been parsed).
  //    Only the first node with an id takes part in the rest of validation.
  const nodes = new Map<string, GraphNode>();
  for (const n of doc.nodes) {
    if (nodes.has(n.id)) err({ code: 'duplicate-id', nodeId: n.id, message: `two nodes have the id "${n.id}"; node ids must be unique` });
    else nodes.set(n.id, n);
  }
  const docNodes = [...nodes.values()];
  const edgeIds = new Set<string>();
  for (const e of doc.edges) {
    if (edgeIds.has(e.id)) err({ code: 'duplicate-id', edgeId: e.id, message: `two edges have the id "${e.id}"; edge ids must be unique` });
    edgeIds.add(e.id);
  }

  // 1. Node types and params
  for (const node of docNodes) {
    const def = getNodeDef(node.type);
    if (!def) {
      err({ code: 'unknown-type', nodeId: node.id, message: `node "${node.label ?? node.id}" has unknown type "${node.type}"` });
      continue;
    }
    defs.set(node.id, def);
    const resolved = resolveParams(def, node.params);
    params.set(node.id, resolved);
    for (const key of Object.keys(node.params)) {
      if (!(key in def.params)) warn({ code: 'unknown-param', nodeId: node.id, message: `${nodeTitle(node, def)}: unknown param "${key}" is ignored` });
    }
    let paramsOk = true;
    for (const [name, spec] of Object.entries(def.params)) {
      const problem = checkParam(name, spec, resolved[name]);
      if (problem) {
        paramsOk = false;
        err({ code: 'param-range', nodeId: node.id, message: `${nodeTitle(node, def)}: ${problem}` });
      }
    }
    if (paramsOk && def.checkParams) {
      for (const m of def.checkParams(resolved)) err({ code: 'param-range', nodeId: node.id, message: `${nodeTitle(node, def)}: ${m}` });
    }
  }

  // 2. Edges: endpoints, ports, kinds, one edge per input port
  const incoming = new Map<string, Map<string, GraphEdge>>();
  const outgoing = new Map<string, GraphEdge[]>();
  const validEdges: GraphEdge[] = [];
  for (const e of doc.edges) {
    const src = nodes.get(e.source);
    const dst = nodes.get(e.target);
    if (!src || !dst) {
      err({ code: 'dangling-edge', edgeId: e.id, message: `edge "${e.id}" connects ${!src ? `missing node "${e.source}"` : `"${e.source}"`} to ${!dst ? `missing node "${e.target}"` : `"${e.target}"`}` });
      continue;
    }
    const sdef = defs.get(src.id);
    const ddef = defs.get(dst.id);
    if (!sdef || !ddef) continue;
    const sp = sdef.outputs.find((p) => p.name === e.sourcePort);
    const dp = ddef.inputs.find((p) => p.name === e.targetPort);
    if (!sp) {
      err({ code: 'unknown-port', edgeId: e.id, nodeId: src.id, port: e.sourcePort, message: `${nodeTitle(src, sdef)} has no output "${e.sourcePort}"${portList(sdef.outputs)}` });
      continue;
    }
    if (!dp) {
      err({ code: 'unknown-port', edgeId: e.id, nodeId: dst.id, port: e.targetPort, message: `${nodeTitle(dst, ddef)} has no input "${e.targetPort}"${portList(ddef.inputs)}` });
      continue;
    }
    const why = connectionProblem(sp, dp);
    if (why) {
      err({ code: 'port-kind', edgeId: e.id, nodeId: dst.id, port: dp.name, message: `${nodeTitle(dst, ddef)}: input "${dp.name}" ${why}, but ${nodeTitle(src, sdef)} gives ${kindWords(sp.kind)}` });
      continue;
    }
    const ins = incoming.get(dst.id) ?? new Map<string, GraphEdge>();
    if (ins.has(dp.name)) {
      err({ code: 'multiple-inputs', edgeId: e.id, nodeId: dst.id, port: dp.name, message: `${nodeTitle(dst, ddef)}: input "${dp.name}" has more than one incoming edge; add them with an Add node` });
      continue;
    }
    if (src.id === dst.id) {
      err({ code: 'cycle', edgeId: e.id, nodeId: src.id, message: `${nodeTitle(src, sdef)} is connected to itself` });
      continue;
    }
    ins.set(dp.name, e);
    incoming.set(dst.id, ins);
    const outs = outgoing.get(src.id);
    if (outs) outs.push(e);
    else outgoing.set(src.id, [e]);
    validEdges.push(e);
  }

  // 3. Missing inputs, unused results. A port or node with an edge that was rejected above already
  //    has an error saying why; it is not also reported as unconnected or unused.
  const wiredInputs = new Set(doc.edges.map((e) => portKey(e.target, e.targetPort)));
  const wiredSources = new Set(doc.edges.map((e) => e.source));
  for (const node of docNodes) {
    const def = defs.get(node.id);
    if (!def) continue;
    for (const p of def.inputs) {
      if (!p.optional && !incoming.get(node.id)?.has(p.name) && !wiredInputs.has(portKey(node.id, p.name))) {
        err({ code: 'missing-input', nodeId: node.id, port: p.name, message: `${nodeTitle(node, def)}: input "${p.name}" is not connected` });
      }
    }
    const sink = def.outputs.length === 0 || def.role === 'loss';
    if (!sink && !(outgoing.get(node.id)?.length) && !wiredSources.has(node.id)) {
      warn({ code: 'unused', nodeId: node.id, message: `${nodeTitle(node, def)}: its output is not used by any node` });
    }
  }

  // 4. Cycles (Kahn's algorithm; what is left over lies on or after a cycle)
  const indeg = new Map(docNodes.map((n) => [n.id, incoming.get(n.id)?.size ?? 0]));
  const queue = docNodes.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
  const order: string[] = [];
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head]!;
    order.push(id);
    for (const e of outgoing.get(id) ?? []) {
      const left = indeg.get(e.target)! - 1;
      indeg.set(e.target, left);
      if (left === 0) queue.push(e.target);
    }
  }
  if (order.length < docNodes.length) {
    const done = new Set(order);
    const stuck = docNodes.filter((n) => !done.has(n.id));
    const cycle = findCycle(stuck.map((n) => n.id), outgoing);
    const names = (cycle.length > 0 ? cycle : stuck.map((n) => n.id)).map((id) => nodeTitle(nodes.get(id)!, defs.get(id)));
    err({ code: 'cycle', nodeId: cycle[0] ?? stuck[0]!.id, message: `the graph has a cycle: ${names.join(' → ')}${cycle.length > 0 ? ` → ${names[0]}` : ''}` });
  }

  // 5. Datasets, losses
  const data = options.data ?? null;
  const inputDatasets = new Map<string, string>();
  for (const node of docNodes) {
    if (!hasRole(node, 'input')) continue;
    const ds = (params.get(node.id)?.['dataset'] as string | undefined) || doc.training?.dataset?.name || '';
    if (ds) inputDatasets.set(node.id, ds);
  }
  const distinct = [...new Set(inputDatasets.values())];
  if (distinct.length > 1) {
    for (const [id, ds] of inputDatasets) {
      if (ds !== distinct[0]) {
        err({ code: 'incompatible-datasets', nodeId: id, message: `${nodeTitle(nodes.get(id)!, defs.get(id))} reads dataset "${ds}" but other inputs read "${distinct[0]}"; every Input of one graph must be fed from the same dataset` });
      }
    }
  }
  const losses = docNodes.filter((n) => hasRole(n, 'loss'));
  // Training's level: reported as errors when training is asked for, as notes when inspecting.
  const purpose = options.purpose ?? 'run';
  const training = (d: Omit<Diagnostic, 'severity' | 'level'>, asked: boolean): void => {
    if (asked) diagnostics.push({ severity: 'error', ...d, level: 'train' });
    else if (purpose === 'inspect') diagnostics.push({ severity: 'info', ...d, level: 'train' });
  };
  if (losses.length === 0) {
    training({ code: 'no-loss', message: 'training needs a Loss node: connect the prediction and the Target to a Loss' }, purpose === 'train' || options.requireLoss === true);
  }
  if (!data && !doc.training?.dataset) {
    training({ code: 'no-dataset', message: 'training needs a dataset: choose one in the Data tab (training.dataset), or give one with --dataset' }, purpose === 'train');
  }
  if (losses.length > 1) {
    for (const l of losses.slice(1)) err({ code: 'several-losses', nodeId: l.id, message: `${nodeTitle(l, defs.get(l.id))}: a graph has one Loss; add the losses with an Add node` });
  }

  // 6. Shape inference in topological order. Params marked `follows` that the document leaves
  //    unset are worked out first by the node's `follow` (a Linear's in_features from its input).
  const portShapes = new Map<string, SymShape>();
  const failed = new Set<string>();
  const followed = new Map<string, Record<string, unknown>>();
  const parameterCounts = new Map<string, number>();
  const lossFed = lossFeeds(losses, incoming, params);
  const follow = (id: string, inputs: Record<string, SymShape>): ParamValues => {
    const node = nodes.get(id)!;
    const def = defs.get(id)!;
    const own = params.get(id)!;
    const unset = Object.keys(def.params).filter((k) => def.params[k]!.follows !== undefined && node.params[k] === undefined);
    if (!def.follow || unset.length === 0) return own;
    const fed = lossFed.get(id);
    let loss: FedLoss | null = null;
    if (fed) {
      let predictionWidth: number | null = null;
      if (fed.port === 'prediction') {
        const t = fed.targetSource ? targetShapeOf(fed.targetSource) : null;
        predictionWidth = predictionWidthFor(fed.fn, t, data);
      }
      loss = { fn: fed.fn, port: fed.port, predictionWidth };
    }
    const values = def.follow({ node, params: own, inputs, data, loss });
    const picked: Record<string, unknown> = {};
    for (const k of unset) if (values[k] !== undefined && checkParam(k, def.params[k]!, values[k]) === null) picked[k] = values[k];
    if (Object.keys(picked).length === 0) return own;
    followed.set(id, picked);
    const merged = { ...own, ...picked };
    params.set(id, merged);
    return merged;
  };
  // The target a Loss compares with: a source-less node (the Target) can be worked out at any time.
  const targetShapeOf = (e: GraphEdge): SymShape | null => {
    const known = portShapes.get(portKey(e.source, e.sourcePort));
    if (known) return known;
    const def = defs.get(e.source);
    if (!def || def.inputs.length > 0) return null;
    try {
      return def.inferShapes({ node: nodes.get(e.source)!, params: follow(e.source, {}), inputs: {}, data })[e.sourcePort] ?? null;
    } catch {
      return null;
    }
  };
  for (const id of order) {
    const node = nodes.get(id)!;
    const def = defs.get(id);
    if (!def || diagnostics.some((d) => d.severity === 'error' && d.nodeId === id && d.code === 'param-range')) {
      failed.add(id);
      continue;
    }
    const inputs: Record<string, SymShape> = {};
    let blocked = false;
    for (const [portName, e] of incoming.get(id) ?? []) {
      const s = portShapes.get(portKey(e.source, e.sourcePort));
      if (!s) blocked = true;
      else inputs[portName] = s;
    }
    if (blocked || def.inputs.some((p) => !p.optional && !inputs[p.name])) {
      failed.add(id);
      continue;
    }
    try {
      const ctx = { node, params: follow(id, inputs), inputs, data };
      const outs = def.inferShapes(ctx);
      for (const [p, s] of Object.entries(outs)) portShapes.set(portKey(id, p), s);
      parameterCounts.set(id, def.parameterCount?.(ctx) ?? 0);
    } catch (e) {
      failed.add(id);
      const port = e instanceof NodeShapeError ? e.port : undefined;
      err({ code: 'shape-mismatch', nodeId: id, ...(port ? { port } : {}), message: `${nodeTitle(node, def)}: ${(e as Error).message}` });
    }
  }
  const edgeShapes = new Map<string, SymShape>();
  for (const e of validEdges) {
    const s = portShapes.get(portKey(e.source, e.sourcePort));
    if (s) edgeShapes.set(e.id, s);
  }

  return { ok: !diagnostics.some((d) => d.severity === 'error'), diagnostics, order, portShapes, edgeShapes, params, followed, parameterCounts };
}

/** For each node feeding a Loss directly: the Loss's fn, which port, and the edge bringing the target (the Loss's definition says). */
function lossFeeds(
  losses: readonly GraphNode[],
  incoming: Map<string, Map<string, GraphEdge>>,
  params: Map<string, ParamValues>,
): Map<string, LossFeed> {
  const out = new Map<string, LossFeed>();
  for (const loss of losses) {
    const ins = incoming.get(loss.id);
    const own = params.get(loss.id);
    if (!ins || !own) continue;
    for (const feed of getNodeDef(loss.type)?.lossFeeds?.(own, ins) ?? []) out.set(feed.source, feed);
  }
  return out;
}

function portList(ports: readonly PortDef[]): string {
  return ports.length === 0 ? ' (it has none)' : ` (it has ${ports.map((p) => `"${p.name}"`).join(', ')})`;
}

function findCycle(ids: readonly string[], outgoing: Map<string, GraphEdge[]>): string[] {
  // Depth-first, with an explicit stack (a chain of 10⁵ nodes must not overflow the call stack).
  const inSet = new Set(ids);
  const state = new Map<string, 1 | 2>();
  for (const start of ids) {
    if (state.has(start)) continue;
    const path: string[] = [];
    const onPath = new Map<string, number>();
    const frames: { id: string; next: number }[] = [{ id: start, next: 0 }];
    state.set(start, 1);
    onPath.set(start, 0);
    path.push(start);
    while (frames.length > 0) {
      const f = frames[frames.length - 1]!;
      const outs = outgoing.get(f.id) ?? [];
      if (f.next < outs.length) {
        const t = outs[f.next++]!.target;
        if (!inSet.has(t)) continue;
        if (state.get(t) === 1) return path.slice(onPath.get(t)!);
        if (!state.has(t)) {
          state.set(t, 1);
          onPath.set(t, path.length);
          path.push(t);
          frames.push({ id: t, next: 0 });
        }
      } else {
        frames.pop();
        path.pop();
        onPath.delete(f.id);
        state.set(f.id, 2);
      }
    }
  }
  return [];
}

/** A summary line per diagnostic, for the CLI (`note:` for info). */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.severity === 'info' ? 'note' : d.severity}: ${d.message}`;
}

export { formatSymShape };
