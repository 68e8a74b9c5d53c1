/**
 * Which Linear nodes are shown as neurons, and which output unit and wire each one has chosen.
 * A view state of the renderer (the graph document has no UI-state section, and expanding must
 * not change what the document means or mark it dirty), kept per document (`docId`) for the session.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';

export interface NeuronFocus {
  /** 0-based output unit whose wires are labelled. */
  out: number;
  /** The wire whose ∂L/∂w = δ·x the readout spells out (`w1,2`, `b1`); null: the focused unit's first. */
  wire: string | null;
}

interface NeuronViewState {
  /** `docId nodeId` → shown as neurons. */
  expanded: Readonly<Record<string, true>>;
  focus: Readonly<Record<string, NeuronFocus>>;
}

export const neuronStore = createStore<NeuronViewState>()(() => ({ expanded: {}, focus: {} }));

export const neuronKey = (docId: string, nodeId: string): string => `${docId} ${nodeId}`;

export function setExpanded(docId: string, nodeId: string, on: boolean): void {
  const k = neuronKey(docId, nodeId);
  const { expanded } = neuronStore.getState();
  if (!!expanded[k] === on) return;
  const next = { ...expanded };
  if (on) next[k] = true;
  else delete next[k];
  neuronStore.setState({ expanded: next });
}

export function setFocus(docId: string, nodeId: string, focus: NeuronFocus): void {
  neuronStore.setState((s) => ({ focus: { ...s.focus, [neuronKey(docId, nodeId)]: focus } }));
}

export function useNeuronExpanded(docId: string, nodeId: string): boolean {
  return useStore(neuronStore, (s) => !!s.expanded[neuronKey(docId, nodeId)]);
}

const NO_FOCUS: NeuronFocus = { out: 0, wire: null };
export function useNeuronFocus(docId: string, nodeId: string): NeuronFocus {
  return useStore(neuronStore, (s) => s.focus[neuronKey(docId, nodeId)] ?? NO_FOCUS);
}
