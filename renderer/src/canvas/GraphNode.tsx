/**
 * A node on the canvas, generated from its type's definition: title (label or type), key params
 * inline, typed input and output handles (port name on hover, colour by kind), the parameter
 * count, and the engine's diagnostics (a red dashed outline for errors, amber dotted for warnings,
 * apart from the selection's accent ring so both show; the messages on hover). The accessible
 * name, with every diagnostic and its severity, is on React Flow's focusable wrapper
 * (`ariaLabel`, see flow-types) and, for the tests that read it there, on the node's box.
 */
import { memo, useEffect, useMemo, useRef, type ReactNode } from 'react';
import { Handle, Position, useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import { formatNumber, fullNumber } from '../panels/format';
import { keyParamRows, type PortDef } from '../lib/node-types';
import { nodeLabel } from '../../../engine/graph/nodes/specs';
import { useDocumentStore } from '../store/document-store';
import type { FlowNode } from './flow-types';
import { useNodeStepState } from '../backprop/node-overlay';
import { nodeAccessibleLabel } from '../lib/node-label';
import { neuronEligibility } from './neuron-model';
import { NeuronToggle, NeuronView, useGateNeuron, useNeuronState } from './NeuronView';

const KIND_TEXT = { tensor: 'tensor', labels: 'labels', loss: 'loss' } as const;

/** Port rows are drawn when a node has more than one port on a side or a port with a telling name. */
function needsPortRows(inputs: readonly PortDef[], outputs: readonly PortDef[]): boolean {
  return inputs.length > 1 || outputs.length > 1 || inputs.some((p) => p.name !== 'in') || outputs.some((p) => p.name !== 'out');
}

function portTitle(p: PortDef, side: 'input' | 'output', problem?: string): string {
  const accepts = p.accepts?.length ? ` (or ${p.accepts.join(', ')})` : '';
  return `${side} “${p.label ?? p.name}”: ${KIND_TEXT[p.kind]}${accepts}${p.optional ? ', optional' : ''}${problem ? ` — ${problem}` : ''}`;
}

/**
 * The node's box, with its Backprop-mode step class: a step re-renders this alone (its children
 * are the same elements, so React skips them), not the node's content — the phase turning from
 * forward to backward changes every node's class at once.
 */
function NodeBox({ id, className, title, label, children }: { id: string; className: string; title: string; label: string; children: ReactNode }) {
  const step = useNodeStepState(id);
  return (
    <div className={className + step} title={title} aria-label={label}>
      {children}
    </div>
  );
}

/**
 * React Flow measures a node's handles when its element appears or resizes. A node whose handles
 * change while its element stays — another document's node of the same id and size (XOR's
 * Target "y" then AND's Output "y"), or ports that follow a parameter — keeps the old handles'
 * places, and a wire to a handle it does not have there is not drawn: measure again when the
 * ports change.
 */
function useRemeasureOnPortChange(id: string, inputs: readonly PortDef[], outputs: readonly PortDef[]): void {
  const update = useUpdateNodeInternals();
  const ports = `${inputs.map((p) => p.name).join(',')}|${outputs.map((p) => p.name).join(',')}`;
  const seen = useRef(ports);
  useEffect(() => {
    if (seen.current === ports) return;
    seen.current = ports;
    update(id);
  }, [id, ports, update]);
}

function GraphNodeView({ id, data, selected }: NodeProps<FlowNode>) {
  const { node, info, diag, paramCount } = data;
  const inputs = info?.inputs ?? [];
  const outputs = info?.outputs ?? [];
  useRemeasureOnPortChange(id, inputs, outputs);
  const followed = useDocumentStore((s) => s.validation?.followed[id]);
  const gates = useGateNeuron(node);
  const neurons = useMemo(() => neuronEligibility(node, followed) ?? (gates ? { ok: true as const, shape: gates.shape } : null), [node, followed, gates]);
  const expanded = useNeuronState(id, neurons);
  const rows = expanded ? [] : keyParamRows(node, info, followed);
  const title = nodeLabel(node, info);
  const typeLabel = info?.label ?? node.type;
  const portRows = needsPortRows(inputs, outputs);
  const nRows = Math.max(inputs.length, outputs.length);
  const severity = diag?.severity;
  const hover = diag ? diag.items.map((d) => `${d.severity === 'info' ? 'note' : d.severity}: ${d.message}`).join('\n') : (info?.description ?? `unknown node type "${node.type}"`);
  const category = (info?.category ?? 'Unknown').toLowerCase();

  return (
    <NodeBox
      id={id}
      className={`bp-node bp-cat-${category}${selected ? ' is-selected' : ''}${severity === 'error' ? ' has-error' : severity === 'warning' ? ' has-warning' : ''}${!info ? ' is-unknown' : ''}${expanded ? ' is-neurons' : ''}`}
      title={hover}
      label={nodeAccessibleLabel(typeLabel, title, diag?.items ?? [])}
    >
      <div className="bp-node-head">
        <span className="bp-node-title">{title}</span>
        {title !== typeLabel && <span className="bp-node-type">{typeLabel}</span>}
        {paramCount !== undefined && paramCount > 0 && (
          <span className="bp-node-badge" title={`${fullNumber(paramCount)} trainable parameters`}>
            {formatNumber(paramCount)}
          </span>
        )}
        {neurons && <NeuronToggle nodeId={id} title={title} eligibility={neurons} />}
        {severity && severity !== 'info' && (
          <span className={`bp-node-flag is-${severity}`} aria-hidden="true">
            {severity === 'error' ? '!' : '?'}
          </span>
        )}
      </div>
      {portRows && (
        <div className="bp-node-ports">
          {Array.from({ length: nRows }, (_, i) => (
            <div className="bp-node-port-row" key={i}>
              <span className="bp-port-name is-in">{inputs[i] ? (inputs[i]!.label ?? inputs[i]!.name) : ''}</span>
              <span className="bp-port-name is-out">{outputs[i] ? (outputs[i]!.label ?? outputs[i]!.name) : ''}</span>
            </div>
          ))}
        </div>
      )}
      {expanded && neurons?.ok && <NeuronView nodeId={id} shape={neurons.shape} gates={gates} />}
      {rows.length > 0 && (
        <dl className="bp-node-params">
          {rows.map((r) => (
            <div key={r.name} className="bp-node-param">
              <dt>{r.label}</dt>
              <dd title={r.value} className={info?.params[r.name]?.kind === 'enum' ? 'is-word' : undefined}>
                {r.value}
              </dd>
            </div>
          ))}
        </dl>
      )}
      {inputs.map((p, i) => {
        const problem = diag?.ports[p.name];
        return (
          <Handle
            key={`in-${p.name}`}
            id={p.name}
            type="target"
            position={Position.Left}
            className={`bp-handle is-${p.kind}${problem ? ` is-${problem}` : ''}`}
            style={portRows ? { top: `calc(var(--bp-node-head) + ${i + 0.5} * var(--bp-port-row))` } : undefined}
            title={portTitle(p, 'input', problem ? diag!.messages.find((m) => m.includes(`"${p.name}"`)) : undefined)}
            aria-label={`input ${p.name} of ${title}`}
          />
        );
      })}
      {outputs.map((p, i) => (
        <Handle
          key={`out-${p.name}`}
          id={p.name}
          type="source"
          position={Position.Right}
          className={`bp-handle is-${p.kind}`}
          style={portRows ? { top: `calc(var(--bp-node-head) + ${i + 0.5} * var(--bp-port-row))` } : undefined}
          title={portTitle(p, 'output')}
          aria-label={`output ${p.name} of ${title}`}
        />
      ))}
    </NodeBox>
  );
}

export const GraphNode = memo(GraphNodeView);
