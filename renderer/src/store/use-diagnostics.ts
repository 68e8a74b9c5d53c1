/** The current diagnostics for React: the file's, the engine's validation and the training run's (of the document on screen). */
import { useMemo } from 'react';
import { useDocumentStore } from './document-store';
import { useTrainingStore } from '../panels';
import { combineDiagnostics, type SourcedDiagnostic } from './diagnostics';

export function useAllDiagnostics(): SourcedDiagnostic[] {
  const loadIssues = useDocumentStore((s) => s.loadIssues);
  const validation = useDocumentStore((s) => s.validation);
  const training = useTrainingStore((s) => s.diagnostic);
  const errorDiagnostics = useTrainingStore((s) => s.errorDiagnostics);
  const error = useTrainingStore((s) => s.error);
  return useMemo(() => {
    // a run that failed, or a Start refused, without the engine's diagnostics is one problem itself
    const trainingErrors = errorDiagnostics.length > 0 || !error ? errorDiagnostics : [{ severity: 'error' as const, code: 'training', message: error }];
    return combineDiagnostics({ loadIssues, validation: validation?.diagnostics, training, trainingErrors });
  }, [loadIssues, validation, training, errorDiagnostics, error]);
}
