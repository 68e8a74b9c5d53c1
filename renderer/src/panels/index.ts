/**
 * The bottom dock's data and training panels (Data, Training, Inference) and the ONNX export
 * dialog, with the training store the rest of the app reads (status bar: backend and provider;
 * editor: the NaN/Inf diagnostic's node).
 */
import './panels.css';

export { DataPanel } from './DataPanel';
export { TrainingPanel } from './TrainingPanel';
export { InferencePanel } from './InferencePanel';
export { ExportDialog } from './ExportDialog';
export { useTrainingStore, useDataStore } from './training-store';
export type { TrainingStore, DataStore, TrainingStatus, TrainingDiagnostic } from './training-store';
