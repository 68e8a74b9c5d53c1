/**
 * Feature normalisation, fitted on the training split and applied unchanged to the test
 * and validation splits and to anything predicted later. The fitted statistics are plain
 * data (`Normalization`), JSON-safe, so a trained-model file and ONNX metadata can carry
 * them and `normalizationSchema` can check them on the way back in.
 *
 * - `standardize`: per feature, (x − mean) / std with the population std (divide by N, as
 *   scikit-learn's StandardScaler); a feature with std 0 gets std 1 (it becomes 0).
 * - `minmax`: per feature, (x − min) / (max − min) into [0, 1] on the train split; a
 *   constant feature gets range 1 (it becomes 0). Test values may fall outside [0, 1].
 * - `scale255`: x / 255 (8-bit images to [0, 1]); nothing to fit.
 * - `none`: unchanged.
 * "Per feature" means per element of `featureShape` (per pixel for images). Statistics are
 * accumulated in float64.
 */
import { z } from 'zod';
import { featureSize, withFeatures, type Dataset } from './dataset';
import { DataError } from './errors';

export type NormalizationKind = 'none' | 'scale255' | 'standardize' | 'minmax';

/** The fitted transform. Arrays have one entry per feature (∏featureShape). */
export type Normalization =
  | { kind: 'none' }
  | { kind: 'scale255' }
  | { kind: 'standardize'; mean: number[]; std: number[] }
  | { kind: 'minmax'; min: number[]; max: number[] };

export const NORMALIZATION_KINDS: readonly NormalizationKind[] = ['none', 'scale255', 'standardize', 'minmax'];

/** zod schema of `Normalization`, for reading it back from a saved file. */
export const normalizationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('scale255') }),
  z.object({ kind: z.literal('standardize'), mean: z.array(z.number()), std: z.array(z.number().positive()) }),
  z.object({ kind: z.literal('minmax'), min: z.array(z.number()), max: z.array(z.number()) }),
]);

/** Fits a normalisation of the given kind on a dataset (the train split). */
export function fitNormalization(ds: Dataset, kind: NormalizationKind): Normalization {
  const f = featureSize(ds);
  const n = ds.numSamples;
  const x = ds.features;
  switch (kind) {
    case 'none':
      return { kind: 'none' };
    case 'scale255':
      return { kind: 'scale255' };
    case 'standardize': {
      if (n === 0) throw new DataError(`cannot fit "standardize" on dataset "${ds.name}": it has no samples`);
      const sum = new Float64Array(f);
      for (let i = 0; i < n; i++) for (let j = 0, o = i * f; j < f; j++) sum[j]! += x[o + j]!;
      const mean = Array.from(sum, (s) => s / n);
      const sq = new Float64Array(f);
      for (let i = 0; i < n; i++) {
        for (let j = 0, o = i * f; j < f; j++) {
          const d = x[o + j]! - mean[j]!;
          sq[j]! += d * d;
        }
      }
      const std = Array.from(sq, (s) => {
        const v = Math.sqrt(s / n);
        return v > 0 ? v : 1;
      });
      return { kind: 'standardize', mean, std };
    }
    case 'minmax': {
      if (n === 0) throw new DataError(`cannot fit "minmax" on dataset "${ds.name}": it has no samples`);
      const min = new Array<number>(f).fill(Infinity);
      const max = new Array<number>(f).fill(-Infinity);
      for (let i = 0; i < n; i++) {
        for (let j = 0, o = i * f; j < f; j++) {
          const v = x[o + j]!;
          if (v < min[j]!) min[j] = v;
          if (v > max[j]!) max[j] = v;
        }
      }
      return { kind: 'minmax', min, max };
    }
    default:
      throw new DataError(`unknown normalisation "${String(kind)}"; expected one of ${NORMALIZATION_KINDS.join(', ')}`);
  }
}

/**
 * Applies a fitted normalisation to a flat row-major features array of `featureSize`
 * values per sample; returns a new array (the input is not changed).
 */
export function normalizeFeatures(features: Float32Array, norm: Normalization, featureSize: number): Float32Array {
  const out = new Float32Array(features.length);
  if (featureSize <= 0 || features.length % featureSize !== 0) {
    throw new DataError(`features of length ${features.length} are not whole samples of ${featureSize} values`);
  }
  const n = features.length / featureSize;
  switch (norm.kind) {
    case 'none':
      out.set(features);
      return out;
    case 'scale255':
      for (let k = 0; k < features.length; k++) out[k] = features[k]! / 255;
      return out;
    case 'standardize':
    case 'minmax': {
      const [shift, scaleBy] = norm.kind === 'standardize' ? [norm.mean, norm.std] : [norm.min, norm.max.map((m, j) => (m - norm.min[j]! > 0 ? m - norm.min[j]! : 1))];
      if (shift.length !== featureSize || scaleBy.length !== featureSize) {
        throw new DataError(`the "${norm.kind}" normalisation was fitted on ${shift.length} features, these samples have ${featureSize}`);
      }
      const inv = scaleBy.map((s) => 1 / s);
      for (let i = 0; i < n; i++) {
        for (let j = 0, o = i * featureSize; j < featureSize; j++) out[o + j] = (features[o + j]! - shift[j]!) * inv[j]!;
      }
      return out;
    }
  }
}

/** The dataset with normalised features (a new dataset; labels shared, they are not changed). */
export function applyNormalization(ds: Dataset, norm: Normalization): Dataset {
  return withFeatures(ds, normalizeFeatures(ds.features, norm, featureSize(ds)));
}

/**
 * Fits on `train` and applies to every split given: the usual way to normalise.
 * Returns the normalised splits and the statistics to save with the model.
 */
export function normalizeSplits<S extends { train: Dataset; test: Dataset; validation?: Dataset }>(
  splits: S,
  kind: NormalizationKind,
): { train: Dataset; test: Dataset; validation?: Dataset; normalization: Normalization } {
  const normalization = fitNormalization(splits.train, kind);
  const out: { train: Dataset; test: Dataset; validation?: Dataset; normalization: Normalization } = {
    train: applyNormalization(splits.train, normalization),
    test: applyNormalization(splits.test, normalization),
    normalization,
  };
  if (splits.validation !== undefined) out.validation = applyNormalization(splits.validation, normalization);
  return out;
}
