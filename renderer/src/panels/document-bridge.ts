/**
 * The panels' only contact with the app store's document slice: the training settings (defaults
 * filled in), `setTraining` (undoable), and the current document for training and export.
 */
import { useMemo } from 'react';
import { useDocumentStore } from '../store/document-store';
import type { GraphDocument } from '../../../engine/graph/document';
import { resolveTraining, type TrainingSettings } from './settings';

/** The document's training settings with defaults (stable while the document's `training` is). */
export function useTrainingSettings(): TrainingSettings {
  const training = useDocumentStore((s) => s.document?.training);
  return useMemo(() => resolveTraining(training), [training]);
}

const NO_BLOCKERS: string[] = [];

/**
 * Why the document cannot be trained as it is, from the engine's validation: its training-level
 * diagnostics (`level: 'train'`: no Loss node, no dataset). Empty when Start can go.
 */
export function useTrainingBlockers(): string[] {
  const validation = useDocumentStore((s) => s.validation);
  return useMemo(() => {
    const out = (validation?.diagnostics ?? []).filter((d) => (d as { level?: string }).level === 'train' && d.severity !== 'warning').map((d) => d.message);
    return out.length ? [...new Set(out)] : NO_BLOCKERS;
  }, [validation]);
}

/** Whether the document says anything about training yet. */
export function useHasTraining(): boolean {
  return useDocumentStore((s) => !!s.document?.training);
}

/** Write training settings into the document (one undo step per call). */
export function useSetTraining(): (partial: Partial<TrainingSettings>) => void {
  return useDocumentStore((s) => s.setTraining) as (partial: Partial<TrainingSettings>) => void;
}

export function useDocumentName(): string {
  return useDocumentStore((s) => s.document?.name ?? 'Untitled');
}

/** The current document, outside React. */
export function currentDocument(): GraphDocument | null {
  return (useDocumentStore.getState().document as GraphDocument | undefined) ?? null;
}
