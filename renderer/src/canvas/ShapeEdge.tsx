/**
 * An edge labelled with the shape the engine inferred for it (`N×128`). The label is a stable
 * element whose text changes in place when a new validation arrives. In Backprop mode the edge
 * publishes its wire instead, and the wire labels (backprop/WireOverlay) are placed together.
 */
import { memo, useLayoutEffect } from 'react';
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react';
import type { FlowEdge } from './flow-types';
import { useTimelineWire } from '../panels/timeline-edge';
import { documentStore } from '../store/document-store';
import { edgePathStyle, useEdgeOverlay } from '../backprop/edge-overlay';
import { setEdgeGeometry } from '../backprop/wire-geometry';

function ShapeEdgeView({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, selected, markerEnd }: EdgeProps<FlowEdge>) {
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const severity = data?.diag?.severity;
  const cls = `bp-edge is-${data?.kind ?? 'tensor'}${selected ? ' is-selected' : ''}${severity ? ` is-${severity}` : ''}`;
  const shape = data?.shape;
  const title = data?.diag ? data.diag.messages.join('\n') : shape ? `shape ${shape}` : 'shape not known yet';
  // Backprop mode: the edge's value or gradient; during training: its gradient norm
  const overlay = useEdgeOverlay(id);
  // a scrubbed training step (the timeline): the wire by its gradient norm at that step
  const wire = useTimelineWire(id);
  const extra = !overlay.backprop && wire ? wire : edgePathStyle(overlay);
  const bp = overlay.backprop;
  useLayoutEffect(() => {
    if (bp) setEdgeGeometry(id, { sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
    else setEdgeGeometry(id, null);
  }, [bp, id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition]);
  useLayoutEffect(() => () => setEdgeGeometry(id, null), [id]);
  return (
    <>
      <BaseEdge id={id} path={path} className={cls + extra.cls} {...(extra.style ? { style: extra.style } : {})} {...(markerEnd ? { markerEnd } : {})} interactionWidth={18} />
      {!overlay.backprop && (shape || severity === 'error') && (
        <EdgeLabelRenderer>
          <div
            className={`bp-edge-label nodrag nopan${selected ? ' is-selected' : ''}${severity ? ` is-${severity}` : ''}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            title={title}
            onClick={() => documentStore.getState().select({ nodes: [], edges: [id] })}
          >
            {shape ?? '!'}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const ShapeEdge = memo(ShapeEdgeView);
