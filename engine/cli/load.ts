/**
 * Reading what the command line names: graph documents and trained-model files (told apart by
 * their `format` field), dataset references, and the data binding shape inference needs.
 */
import { existsSync } from 'node:fs';
import { LimitError } from '../core/limits';
import { parseJsonSafe, readRegularTextFile } from '../core/safe-read';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Dataset } from '../data/dataset';
import { isBuiltinDataset } from '../data/builtin';
import { parseDocument, type DatasetRef, type GraphDocument } from '../graph/document';
import type { DataBinding } from '../graph/node-def';
import { bindingOf, loadDatasetRef } from '../train/data-source';
import { effectiveSettings } from '../train/settings';
import { bindingOfTrained, isTrainedModel, parseTrainedModel, type TrainedModelFile } from '../graph/trained-model';
import { CliError, EXIT } from './io';

/** Why a file could not be read, in words (no stack, no errno prefix). */
export function fileErrorWords(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
}

/** Read and parse a JSON file; a missing file or bad JSON is a one-line CliError naming the file. */
export function readJsonFile(file: string, cwd: string): unknown {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readRegularTextFile(path);
  } catch (e) {
    throw new CliError(`${file}: ${fileErrorWords(e)}`);
  }
  try {
    return parseJsonSafe(text);
  } catch (e) {
    if (e instanceof LimitError) throw new CliError(`${file}: ${e.message}`);
    throw new CliError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
}

/** A graph document, or a trained-model file and the document inside it. */
export interface GraphSource {
  /** As given on the command line (for messages). */
  file: string;
  /** Folder of the file: relative dataset paths in the document resolve against it. */
  dir: string;
  document: GraphDocument;
  trained: TrainedModelFile | null;
}

/** Load GRAPH: a graph document (every schema problem listed with its JSON path) or a trained-model file. */
export function loadGraphSource(file: string, cwd: string): GraphSource {
  const value = readJsonFile(file, cwd);
  const dir = dirname(resolve(cwd, file));
  if (isTrainedModel(value)) {
    let trained: TrainedModelFile;
    try {
      trained = parseTrainedModel(value, file);
    } catch (e) {
      throw new CliError(`not a valid trained-model file: ${(e as Error).message}`);
    }
    return { file, dir, document: resolveDatasetPaths(trained.document, dir), trained };
  }
  const parsed = parseDocument(value);
  if (!parsed.ok) {
    const n = parsed.issues.length;
    throw new CliError(
      `${file}: not a valid graph document (${n} problem${n === 1 ? '' : 's'})`,
      EXIT.error,
      parsed.issues.map((i) => `  ${i.path || '(document)'}: ${i.message}`),
    );
  }
  return { file, dir, document: resolveDatasetPaths(parsed.document, dir), trained: null };
}

const isFileRef = (name: string): boolean => !isBuiltinDataset(name) && !name.startsWith('upload:');

function resolveRef(ref: DatasetRef, dir: string): DatasetRef {
  if (!isFileRef(ref.name)) return ref;
  const labels = ref.params['labels'];
  return {
    name: isAbsolute(ref.name) ? ref.name : resolve(dir, ref.name),
    params: typeof labels === 'string' && !isAbsolute(labels) ? { ...ref.params, labels: resolve(dir, labels) } : ref.params,
  };
}

/**
 * Dataset files named in a document are relative to the document's folder; make them absolute,
 * so that the trained-model file written elsewhere still finds them.
 */
export function resolveDatasetPaths(doc: GraphDocument, dir: string): GraphDocument {
  const t = doc.training;
  if (!t || (!t.dataset && !t.testDataset)) return doc;
  return {
    ...doc,
    training: {
      ...t,
      ...(t.dataset ? { dataset: resolveRef(t.dataset, dir) } : {}),
      ...(t.testDataset ? { testDataset: resolveRef(t.testDataset, dir) } : {}),
    },
  };
}

/** `--dataset NAME|FILE`: a built-in name as it is, a file resolved against the working directory. */
export function datasetArg(name: string, cwd: string): string {
  return isFileRef(name) && !isAbsolute(name) && existsSync(resolve(cwd, name)) ? resolve(cwd, name) : name;
}

/** Load the dataset `--dataset` names (built-in or file). */
export function loadDatasetArg(name: string, cwd: string): Dataset {
  return loadDatasetRef({ name: datasetArg(name, cwd), params: {} }, cwd);
}

export interface BindingResult {
  binding: DataBinding | null;
  dataset: Dataset | null;
  /** Why there is no binding although the document names a dataset (printed as a warning). */
  warning?: string;
}

/**
 * The data binding for shape inference: `--dataset` when given (errors are fatal), else a trained
 * file's saved description, else the document's dataset (a load failure becomes a warning: the
 * graph is still shown, without the dataset's shapes).
 */
export function resolveBinding(src: GraphSource, datasetOption: string | undefined, cwd: string): BindingResult {
  if (datasetOption) {
    const ds = loadDatasetArg(datasetOption, cwd);
    return { binding: bindingOf(ds), dataset: ds };
  }
  if (src.trained) {
    const b = bindingOfTrained(src.trained);
    if (b) return { binding: b, dataset: null };
  }
  const ref = effectiveSettings(src.document).dataset;
  if (!ref) return { binding: null, dataset: null };
  try {
    const ds = loadDatasetRef(ref, src.dir);
    return { binding: bindingOf(ds), dataset: ds };
  } catch (e) {
    return { binding: null, dataset: null, warning: `dataset "${ref.name}" could not be loaded (${(e as Error).message}); shapes that depend on it are unknown` };
  }
}
