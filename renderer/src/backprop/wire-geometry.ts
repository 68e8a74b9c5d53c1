/**
 * Where each edge's wire runs (its ends and their sides, in flow coordinates), published by the
 * edges in Backprop mode for the wire labels, which are placed all together in screen space. A
 * change is announced once per microtask, however many edges changed.
 */
import { useSyncExternalStore } from 'react';
import type { EdgeGeometry } from './wire-model';

const geometries = new Map<string, EdgeGeometry>();
const listeners = new Set<() => void>();
let version = 0;
let scheduled = false;

function announce(): void {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    version++;
    for (const l of listeners) l();
  });
}

function same(a: EdgeGeometry, b: EdgeGeometry): boolean {
  return a.sourceX === b.sourceX && a.sourceY === b.sourceY && a.targetX === b.targetX && a.targetY === b.targetY && a.sourcePosition === b.sourcePosition && a.targetPosition === b.targetPosition;
}

/** Publish (or with null withdraw) edge `id`'s wire. */
export function setEdgeGeometry(id: string, g: EdgeGeometry | null): void {
  const old = geometries.get(id);
  if (g === null) {
    if (!old) return;
    geometries.delete(id);
  } else {
    if (old && same(old, g)) return;
    geometries.set(id, g);
  }
  announce();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The published wires; the component re-renders when one changes. */
export function useEdgeGeometries(): { version: number; geometries: ReadonlyMap<string, EdgeGeometry> } {
  const v = useSyncExternalStore(subscribe, () => version);
  return { version: v, geometries };
}
