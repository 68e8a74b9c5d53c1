/**
 * Built-in datasets, by kebab-case name: the seed's logic gates, Iris, 2-D toy sets in the
 * manner of TensorFlow Playground, and Fashion-MNIST when its files are on the machine.
 *
 * The toy sets follow Playground's generators (`src/dataset.ts` of tensorflow/playground):
 * the same shapes, coordinates in about [−6, 6]², and `noise` meaning what the Playground
 * slider means divided by 100 (0..0.5):
 * - `circle`: half the points at radius U(0, 2.5), half at radius U(3.5, 5), uniform angle.
 *   The point itself is not moved; its label is whether the point *plus* a uniform
 *   displacement U(−5, 5)·noise per axis lies inside radius 2.5 — noise flips labels near
 *   the boundary.
 * - `gaussian`: two isotropic Gaussian blobs at (2, 2) (positive) and (−2, −2) (negative)
 *   with variance 0.5 + 7·noise (0.5 at noise 0, 4 at noise 0.5).
 * - `xor-quadrants`: x, y ~ U(−5, 5), pushed 0.3 away from the axes; positive when x·y ≥ 0,
 *   judged on the point plus a U(−5, 5)·noise displacement (labels flip, points stay).
 * - `spiral`: two interleaved spirals of 1.75 turns out to radius 5; point i of n/2 is at
 *   radius 5i/(n/2) and angle 1.75·2π·i/(n/2) (+π for the negative spiral), then moved by
 *   U(−1, 1)·noise per axis.
 * Samples come in generation order (positives first, as Playground makes them); splits and
 * the DataLoader shuffle. Class 0 is Playground's −1 ("negative"), class 1 its +1
 * ("positive"); with `labels: 'pm1'` the labels are −1/+1 (`labelEncoding: 'signed'`).
 * Randomness comes from `Generator(seed)` only.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Generator } from '../core/random';
import { loadCsvFile } from './csv';
import { makeDataset, type Dataset, type DatasetShape, type Task } from './dataset';
import { DataError } from './errors';
import { fashionMnistSearchPlaces, findFashionMnist } from './fashion-mnist';
import { loadIdxDataset, readIdxHeader } from './idx';
import { dataLocations } from './user-data';

/** A parameter value as the app or CLI passes it (numeric strings are accepted for numbers). */
export type BuiltinParamValue = number | string;
export type BuiltinParams = Readonly<Record<string, BuiltinParamValue | undefined>>;

/** One parameter of a built-in dataset, enough for the app to draw a control. */
export interface BuiltinParamSpec {
  name: string;
  kind: 'integer' | 'number' | 'choice' | 'string';
  default: BuiltinParamValue;
  /** Inclusive bounds for numbers. */
  min?: number;
  max?: number;
  /** Allowed values for `choice`. */
  choices?: readonly string[];
  description: string;
}

/** What `listBuiltinDatasets` says about each dataset. */
export interface BuiltinDatasetInfo {
  /** kebab-case name (`xor`, `iris`, `xor-quadrants`). */
  name: string;
  /** One line for the dataset panel and `bpstudio --help`. */
  description: string;
  task: Task;
  /** Shape of one sample's features. */
  featureShape: number[];
  numClasses: number;
  params: BuiltinParamSpec[];
  /** Parameter name → default value. */
  defaults: Record<string, BuiltinParamValue>;
  /** True when the data are files that may be missing on this machine (Fashion-MNIST). */
  needsFiles: boolean;
}

type ResolvedParams = Record<string, BuiltinParamValue>;

interface BuiltinEntry {
  name: string;
  description: string;
  task: Task;
  featureShape: number[];
  numClasses: number;
  params: BuiltinParamSpec[];
  needsFiles?: boolean;
  load(params: ResolvedParams): Dataset;
  /**
   * The shape `load` would give, without loading: for an entry whose shape is not all in the
   * fields above (a name that depends on the params, a shape read from a file's header), with
   * the files it reads. Default: the fields above, the entry's name, no files.
   */
  shape?(params: ResolvedParams): { shape: DatasetShape; files: string[] };
}

const LABELS_PARAM: BuiltinParamSpec = {
  name: 'labels',
  kind: 'choice',
  default: '01',
  choices: ['01', 'pm1'],
  description: "class labels: '01' for class indices 0/1, 'pm1' for −1/+1 (perceptron, sign activation)",
};

const TOY_PARAMS: BuiltinParamSpec[] = [
  { name: 'n', kind: 'integer', default: 500, min: 2, max: 1_000_000, description: 'number of points' },
  {
    name: 'noise',
    kind: 'number',
    default: 0,
    min: 0,
    max: 0.5,
    description: 'noise, 0..0.5 (TensorFlow Playground’s noise slider ÷ 100)',
  },
  { name: 'seed', kind: 'integer', default: 0, min: 0, max: 2 ** 32 - 1, description: 'random seed' },
  LABELS_PARAM,
];

const GATE_TABLES: Record<string, { title: string; out: [number, number, number, number] }> = {
  and: { title: 'AND', out: [0, 0, 0, 1] },
  or: { title: 'OR', out: [0, 1, 1, 1] },
  nand: { title: 'NAND', out: [1, 1, 1, 0] },
  xor: { title: 'XOR', out: [0, 1, 1, 0] },
};

function gateEntry(name: string): BuiltinEntry {
  const gate = GATE_TABLES[name]!;
  return {
    name,
    description: `${gate.title} logic gate: the 4 inputs (0,0) (0,1) (1,0) (1,1) and their ${gate.title}${name === 'xor' ? ' (not linearly separable)' : ''}`,
    task: 'classification',
    featureShape: [2],
    numClasses: 2,
    params: [LABELS_PARAM],
    load: (p) => {
      const signed = p.labels === 'pm1';
      const labels = Float32Array.from(gate.out, (v) => (signed ? 2 * v - 1 : v));
      return makeDataset({
        name,
        task: 'classification',
        featureShape: [2],
        features: Float32Array.of(0, 0, 0, 1, 1, 0, 1, 1),
        featureNames: ['x1', 'x2'],
        targetShape: [],
        labels,
        classNames: signed ? ['-1', '+1'] : ['0', '1'],
        ...(signed ? { labelEncoding: 'signed' as const } : {}),
        source: `builtin:${name}`,
      });
    },
  };
}

type PointGenerator = (n: number, noise: number, rng: Generator, out: Float32Array, labels: Int8Array) => void;

/** Fills `out` with n points [x, y] and `labels` with +1/−1, Playground-style. */
const circle: PointGenerator = (n, noise, rng, out, labels) => {
  const radius = 5;
  const nPos = Math.ceil(n / 2);
  for (let i = 0; i < n; i++) {
    const r = i < nPos ? rng.uniform(0, radius * 0.5) : rng.uniform(radius * 0.7, radius);
    const angle = rng.uniform(0, 2 * Math.PI);
    const x = r * Math.sin(angle);
    const y = r * Math.cos(angle);
    const nx = rng.uniform(-radius, radius) * noise;
    const ny = rng.uniform(-radius, radius) * noise;
    out[2 * i] = x;
    out[2 * i + 1] = y;
    labels[i] = Math.hypot(x + nx, y + ny) < radius * 0.5 ? 1 : -1;
  }
};

const gaussian: PointGenerator = (n, noise, rng, out, labels) => {
  const std = Math.sqrt(0.5 + (noise / 0.5) * 3.5);
  const nPos = Math.ceil(n / 2);
  for (let i = 0; i < n; i++) {
    const c = i < nPos ? 2 : -2;
    out[2 * i] = rng.normal(c, std);
    out[2 * i + 1] = rng.normal(c, std);
    labels[i] = i < nPos ? 1 : -1;
  }
};

const xorQuadrants: PointGenerator = (n, noise, rng, out, labels) => {
  const padding = 0.3;
  for (let i = 0; i < n; i++) {
    let x = rng.uniform(-5, 5);
    x += x > 0 ? padding : -padding;
    let y = rng.uniform(-5, 5);
    y += y > 0 ? padding : -padding;
    const nx = rng.uniform(-5, 5) * noise;
    const ny = rng.uniform(-5, 5) * noise;
    out[2 * i] = x;
    out[2 * i + 1] = y;
    labels[i] = (x + nx) * (y + ny) >= 0 ? 1 : -1;
  }
};

const spiral: PointGenerator = (n, noise, rng, out, labels) => {
  const nPos = Math.ceil(n / 2);
  let k = 0;
  for (const [count, deltaT, label] of [[nPos, 0, 1], [n - nPos, Math.PI, -1]] as const) {
    for (let i = 0; i < count; i++, k++) {
      const r = (i / count) * 5;
      const t = ((1.75 * i) / count) * 2 * Math.PI + deltaT;
      out[2 * k] = r * Math.sin(t) + rng.uniform(-1, 1) * noise;
      out[2 * k + 1] = r * Math.cos(t) + rng.uniform(-1, 1) * noise;
      labels[k] = label;
    }
  }
};

function toyEntry(name: string, description: string, gen: PointGenerator): BuiltinEntry {
  return {
    name,
    description,
    task: 'classification',
    featureShape: [2],
    numClasses: 2,
    params: TOY_PARAMS,
    load: (p) => {
      const n = p.n as number;
      const noise = p.noise as number;
      const rng = new Generator(p.seed as number);
      const features = new Float32Array(2 * n);
      const pm = new Int8Array(n);
      gen(n, noise, rng, features, pm);
      const signed = p.labels === 'pm1';
      const labels = Float32Array.from(pm, (v) => (signed ? v : v > 0 ? 1 : 0));
      return makeDataset({
        name,
        task: 'classification',
        featureShape: [2],
        features,
        featureNames: ['x1', 'x2'],
        targetShape: [],
        labels,
        classNames: signed ? ['-1', '+1'] : ['negative', 'positive'],
        ...(signed ? { labelEncoding: 'signed' as const } : {}),
        source: `builtin:${name}?n=${n}&noise=${noise}&seed=${p.seed as number}`,
      });
    },
  };
}

/** The folder of shipped datasets: `assets/datasets/` at the repository (or app) root. */
export function datasetAssetsDir(): string {
  const override = dataLocations().env['BPSTUDIO_DATASETS_DIR'];
  if (override !== undefined && override !== '') return override;
  return fileURLToPath(new URL('../../assets/datasets/', import.meta.url));
}

/**
 * Folders searched for Fashion-MNIST's four IDX files, in order (`engine/data/fashion-mnist.ts`):
 * the folder given (`dir`, `--data-dir`, `BPSTUDIO_DATA_DIR`), the user data folder, the shipped
 * datasets, Debian's `/usr/share/datasets/fashion-mnist`.
 */
export function fashionMnistSearchPath(dir?: string): string[] {
  return fashionMnistSearchPlaces(dir, datasetAssetsDir()).map((p) => p.dir);
}

const ENTRIES: BuiltinEntry[] = [
  gateEntry('and'),
  gateEntry('or'),
  gateEntry('nand'),
  gateEntry('xor'),
  {
    name: 'iris',
    description: 'Iris flowers (Fisher 1936): 150 samples × 4 measurements in cm, 3 species',
    task: 'classification',
    featureShape: [4],
    numClasses: 3,
    params: [],
    load: () => {
      const path = join(datasetAssetsDir(), 'iris.csv');
      return {
        ...loadCsvFile(path, { name: 'iris', label: 'species', task: 'classification' }),
        source: 'builtin:iris (assets/datasets/iris.csv; Fisher 1936, UCI, CC BY 4.0)',
      };
    },
  },
  toyEntry('circle', 'a disc of one class inside a ring of the other (2-D, TensorFlow Playground’s "circle")', circle),
  toyEntry('gaussian', 'two Gaussian blobs at (2,2) and (−2,−2) (2-D, TensorFlow Playground’s "gaussian")', gaussian),
  toyEntry('xor-quadrants', 'classes by the sign of x·y, alternate quadrants (2-D, TensorFlow Playground’s "exclusive or")', xorQuadrants),
  toyEntry('spiral', 'two interleaved spirals (2-D, TensorFlow Playground’s "spiral")', spiral),
  {
    name: 'fashion-mnist',
    description: 'Fashion-MNIST (Zalando, MIT): 28×28 grey images of 10 kinds of clothing, 60000 train / 10000 test; needs the IDX files',
    task: 'classification',
    featureShape: [28, 28],
    numClasses: 10,
    needsFiles: true,
    params: [
      { name: 'split', kind: 'choice', default: 'train', choices: ['train', 'test'], description: 'the official train (60000) or test (10000) file' },
      { name: 'limit', kind: 'integer', default: 0, min: 0, max: 60000, description: 'keep the first N images (0: all)' },
      {
        name: 'dir',
        kind: 'string',
        default: '',
        description: 'folder holding the four *-idx?-ubyte[.gz] files (default: --data-dir, BPSTUDIO_DATA_DIR, the user data folder, /usr/share/datasets/fashion-mnist)',
      },
    ],
    shape: (p) => {
      const files = findFashionMnist(p.split === 'test' ? 't10k' : 'train', fashionMnistSearchPlaces(p.dir as string, datasetAssetsDir()));
      const images = readIdxHeader(files.images);
      const labels = readIdxHeader(files.labels);
      if (images.shape.length < 2) throw new DataError('this is a 1-dimensional IDX file (a labels file?); expected images', { file: files.images });
      if (labels.shape.length !== 1) throw new DataError(`this is a ${labels.shape.length}-dimensional IDX file (an images file?); expected labels`, { file: files.labels });
      if (images.shape[0] !== labels.shape[0]) {
        throw new DataError(`${files.images} has ${images.shape[0]} images but ${files.labels} has ${labels.shape[0]} labels`, { file: files.labels });
      }
      return {
        shape: { name: `fashion-mnist-${p.split as string}`, task: 'classification', featureShape: images.shape.slice(1), targetShape: [], numClasses: 10 },
        files: [files.images, files.labels],
      };
    },
    load: (p) => {
      const files = findFashionMnist(p.split === 'test' ? 't10k' : 'train', fashionMnistSearchPlaces(p.dir as string, datasetAssetsDir()));
      const limit = p.limit as number;
      return loadIdxDataset(files.images, files.labels, {
        classes: 'fashion-mnist',
        name: `fashion-mnist-${p.split as string}`,
        ...(limit > 0 ? { limit } : {}),
      });
    },
  },
];

const BY_NAME = new Map(ENTRIES.map((e) => [e.name, e] as const));

/** Every built-in dataset: name, one-line description, task, parameters with defaults. */
export function listBuiltinDatasets(): BuiltinDatasetInfo[] {
  return ENTRIES.map((e) => ({
    name: e.name,
    description: e.description,
    task: e.task,
    featureShape: [...e.featureShape],
    numClasses: e.numClasses,
    params: e.params.map((p) => ({ ...p })),
    defaults: Object.fromEntries(e.params.map((p) => [p.name, p.default])),
    needsFiles: e.needsFiles ?? false,
  }));
}

/** Whether `name` is a built-in dataset. */
export function isBuiltinDataset(name: string): boolean {
  return BY_NAME.has(name);
}

/**
 * Loads a built-in dataset. Unknown names and unknown or out-of-range parameters throw a
 * DataError listing what is valid; numeric strings (`'200'`) are accepted for numbers.
 */
export function loadBuiltinDataset(name: string, params: BuiltinParams = {}): Dataset {
  const entry = entryOf(name);
  return entry.load(resolveParams(entry, params));
}

/**
 * The shape of a built-in dataset without loading it (its table entry; Fashion-MNIST's from
 * its IDX files' headers), and the files it would read. The same errors as `loadBuiltinDataset`
 * for unknown names and parameters, and for Fashion-MNIST's files not found.
 */
export function builtinDatasetShape(name: string, params: BuiltinParams = {}): { shape: DatasetShape; files: string[] } {
  const entry = entryOf(name);
  const p = resolveParams(entry, params);
  if (entry.shape) return entry.shape(p);
  // Every entry without a `shape` of its own is a classification dataset: one class value per sample.
  return {
    shape: { name: entry.name, task: entry.task, featureShape: [...entry.featureShape], targetShape: [], numClasses: entry.numClasses },
    files: [],
  };
}

function entryOf(name: string): BuiltinEntry {
  const entry = BY_NAME.get(name);
  if (entry === undefined) {
    throw new DataError(`unknown dataset "${name}"; the built-in datasets are ${ENTRIES.map((e) => e.name).join(', ')}`);
  }
  return entry;
}

function resolveParams(entry: BuiltinEntry, params: BuiltinParams): ResolvedParams {
  const out: ResolvedParams = {};
  for (const key of Object.keys(params)) {
    if (params[key] !== undefined && !entry.params.some((p) => p.name === key)) {
      const valid = entry.params.length > 0 ? `its parameters are ${entry.params.map((p) => p.name).join(', ')}` : 'it takes no parameters';
      throw new DataError(`dataset "${entry.name}" has no parameter "${key}"; ${valid}`);
    }
  }
  for (const spec of entry.params) {
    const raw = params[spec.name];
    const bad = (why: string): DataError => new DataError(`dataset "${entry.name}": parameter ${spec.name} ${why}, got ${JSON.stringify(raw)}`);
    if (raw === undefined) {
      out[spec.name] = spec.default;
      continue;
    }
    if (spec.kind === 'choice') {
      if (typeof raw !== 'string' || !spec.choices!.includes(raw)) throw bad(`must be one of ${spec.choices!.map((c) => `'${c}'`).join(', ')}`);
      out[spec.name] = raw;
    } else if (spec.kind === 'string') {
      if (typeof raw !== 'string') throw bad('must be a string');
      out[spec.name] = raw;
    } else {
      const v = typeof raw === 'number' ? raw : raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(v)) throw bad('must be a number');
      if (spec.kind === 'integer' && !Number.isInteger(v)) throw bad('must be an integer');
      if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
        throw bad(`must be in ${spec.min ?? '−∞'}..${spec.max ?? '∞'}`);
      }
      out[spec.name] = v;
    }
  }
  return out;
}
