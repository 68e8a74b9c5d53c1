/** `--backend`: which executor runs the training steps (engine/backends). */
export { BACKENDS, isBackendName, ORT_BACKENDS, type BackendName } from '../backends/executor';
