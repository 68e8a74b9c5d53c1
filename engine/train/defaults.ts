/**
 * The training defaults that depend on the data, in one place. A document that leaves
 * `training.split.test` or `training.epochs` unset gets these ("auto" in the app):
 *
 * - Test fraction: datasets under TINY_DATASET_ROWS rows (the logic gates: 4) have too few rows to
 *   hold any out — 0.2 of XOR trains on 3 rows and tests on 1 — so they train on every row and
 *   are tested on every row too. Larger datasets hold out DEFAULT_TEST_FRACTION, stratified.
 * - Epochs: enough passes for at least AUTO_STEPS optimizer steps, between MIN_AUTO_EPOCHS and
 *   MAX_AUTO_EPOCHS: 300 epochs of XOR's single batch, 10 of Fashion-MNIST's 1,875.
 *
 * The optimizer's default (Adam, lr 0.01) lives in the document schema (engine/graph/document.ts).
 */
export const TINY_DATASET_ROWS = 50;
export const DEFAULT_TEST_FRACTION = 0.2;
export const AUTO_STEPS = 300;
export const MIN_AUTO_EPOCHS = 10;
export const MAX_AUTO_EPOCHS = 1000;

/** How the rows are used when the document does not say: a held-out fraction, or every row for both. */
export type TestPlan = { kind: 'fraction'; fraction: number } | { kind: 'all-rows' };

export function testPlan(numSamples: number, testFraction: number | undefined): TestPlan {
  if (testFraction !== undefined) return { kind: 'fraction', fraction: testFraction };
  return numSamples < TINY_DATASET_ROWS ? { kind: 'all-rows' } : { kind: 'fraction', fraction: DEFAULT_TEST_FRACTION };
}

export function autoEpochs(trainSamples: number, batchSize: number, dropLast = false): number {
  const steps = Math.max(1, dropLast ? Math.floor(trainSamples / batchSize) : Math.ceil(trainSamples / batchSize));
  return Math.min(MAX_AUTO_EPOCHS, Math.max(MIN_AUTO_EPOCHS, Math.ceil(AUTO_STEPS / steps)));
}

/**
 * The epochs and test split the app would use for a document's settings on a dataset of
 * `numSamples` rows — what an exported training script (engine/pytorch) is told, since it cannot
 * ask the data itself. `settings` null: a document without training settings.
 */
export function trainingPlan(
  settings: { epochs?: number | undefined; batchSize: number; dropLast?: boolean; split: { test?: number | undefined }; testDataset?: unknown } | null,
  numSamples: number,
): { epochs: number; test: number | 'all-rows' } {
  const test = testPlan(numSamples, settings?.split.test);
  const trainRows = test.kind === 'all-rows' || settings?.testDataset ? numSamples : Math.round(numSamples * (1 - test.fraction));
  return {
    epochs: settings?.epochs ?? autoEpochs(trainRows, settings?.batchSize ?? 32, settings?.dropLast ?? false),
    test: test.kind === 'all-rows' ? 'all-rows' : test.fraction,
  };
}
