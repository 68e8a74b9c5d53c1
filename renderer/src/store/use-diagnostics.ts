/** The current diagnostics for React: the file's, the engine's validation and the training run's. */
import { useMemo } from 'react';
import { useDocumentStore } from './document-store';
import { useTrainingStore } from '../panels';
import { combineDiagnostics, type SourcedDiagnostic } from './diagnostics';

export function useAllDiagnostics(): SourcedDiagnostic[] {
  const loadIssues = useDocumentStore((s) => s.loadIssues);
  const validation = useDocumentStore((s) => s.validation);
  const training = useTrainingStore((s) => s.diagnostic);
  const trainingErrors = useTrainingStore((s) => s.errorDiagnostics);
  return useMemo(
    () => combineDiagnostics({ loadIssues, validation: validation?.diagnostics, training, trainingErrors }),
    [loadIssues, validation, training, trainingErrors],
  );
}
