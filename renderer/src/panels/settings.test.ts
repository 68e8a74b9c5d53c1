import { describe, expect, it } from 'vitest';
import type { BuiltinDatasetInfo } from '../../../engine/data/builtin';
import { chooseDataset, hasOfficialTestSplit, paramValue, parseNumberInput, resolveTraining, setDatasetParam, switchOptimizer } from './settings';

const fashion: BuiltinDatasetInfo = {
  name: 'fashion-mnist', description: '', task: 'classification', featureShape: [28, 28], numClasses: 10, needsFiles: true,
  params: [{ name: 'split', kind: 'choice', default: 'train', choices: ['train', 'test'], description: '' }, { name: 'limit', kind: 'integer', default: 0, description: '' }],
  defaults: { split: 'train', limit: 0 },
};
const circle: BuiltinDatasetInfo = {
  name: 'circle', description: '', task: 'classification', featureShape: [2], numClasses: 2, needsFiles: false,
  params: [{ name: 'n', kind: 'integer', default: 500, description: '' }, { name: 'noise', kind: 'number', default: 0, description: '' }],
  defaults: { n: 500, noise: 0 },
};

describe('resolveTraining', () => {
  it('fills the engine’s defaults', () => {
    const t = resolveTraining(undefined);
    expect(t).toMatchObject({ batchSize: 32, seed: 0, normalize: 'none', split: { validation: 0, stratify: true } });
    // epochs and the test fraction follow the dataset when left unset (engine/train/defaults.ts)
    expect(t.epochs).toBeUndefined();
    expect(t.split.test).toBeUndefined();
    expect(t.optimizer).toMatchObject({ type: 'adam', lr: 0.01 });
  });
  it('keeps what parses in a half-edited document', () => {
    const t = resolveTraining({ epochs: 300, batchSize: -4, dataset: { name: 'xor' } });
    expect(t.epochs).toBe(300);
    expect(t.batchSize).toBe(32);
    expect(t.dataset).toEqual({ name: 'xor', params: {} });
  });
});

describe('switchOptimizer', () => {
  it('keeps the learning rate', () => {
    const sgd = resolveTraining({ optimizer: { type: 'sgd', lr: 0.05, momentum: 0.5 } }).optimizer;
    const adam = switchOptimizer(sgd, 'adam');
    expect(adam).toMatchObject({ type: 'adam', lr: 0.05, beta1: 0.9, beta2: 0.999 });
    // the rest is the engine's one table of defaults (the CLI's --optimizer gets the same): SGD without momentum
    expect(switchOptimizer(adam, 'sgd')).toEqual({ type: 'sgd', lr: 0.05, momentum: 0, weightDecay: 0, nesterov: false });
    expect(switchOptimizer(sgd, 'sgd')).toBe(sgd);
  });
  it('AdamW after Adam gets its own default decay (else it would be Adam), Adam after AdamW Adam’s; a decay the user set is kept', () => {
    const adam = resolveTraining({ optimizer: { type: 'adam', lr: 0.002 } }).optimizer;
    expect(switchOptimizer(adam, 'adamw')).toEqual({ type: 'adamw', lr: 0.002, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
    const decayed = resolveTraining({ optimizer: { type: 'sgd', lr: 0.1, weightDecay: 5e-4 } }).optimizer;
    expect(switchOptimizer(decayed, 'adamw')).toMatchObject({ type: 'adamw', lr: 0.1, weightDecay: 5e-4 });
    expect(switchOptimizer(switchOptimizer(adam, 'adamw'), 'adam')).toMatchObject({ type: 'adam', weightDecay: 0 });
    expect(switchOptimizer({ ...switchOptimizer(adam, 'adamw'), weightDecay: 0.1 }, 'adam')).toMatchObject({ type: 'adam', weightDecay: 0.1 });
  });
});

describe('choosing a dataset', () => {
  const base = resolveTraining({});
  it('uses the official test split when the dataset has one (and pixels get scaled)', () => {
    expect(hasOfficialTestSplit(fashion)).toBe(true);
    expect(chooseDataset('fashion-mnist', fashion, base)).toEqual({
      dataset: { name: 'fashion-mnist', params: { split: 'train' } },
      testDataset: { name: 'fashion-mnist', params: { split: 'test' } },
      split: { ...base.split, test: 0 },
      normalize: 'scale255',
    });
  });
  it('otherwise takes the defaults and drops a separate test set', () => {
    expect(hasOfficialTestSplit(circle)).toBe(false);
    expect(chooseDataset('circle', circle, base)).toEqual({ dataset: { name: 'circle', params: {} }, testDataset: undefined });
  });
  it('changes one param and keeps the test set in step (but not its split)', () => {
    const t = resolveTraining({ dataset: { name: 'fashion-mnist', params: { split: 'train' } }, testDataset: { name: 'fashion-mnist', params: { split: 'test' } } });
    expect(setDatasetParam(t, 'dir', '/data')).toEqual({
      dataset: { name: 'fashion-mnist', params: { split: 'train', dir: '/data' } },
      testDataset: { name: 'fashion-mnist', params: { split: 'test', dir: '/data' } },
    });
    expect(setDatasetParam(t, 'limit', 1000)).toEqual({ dataset: { name: 'fashion-mnist', params: { split: 'train', limit: 1000 } } });
    expect(paramValue({ n: 20 }, { name: 'n', default: 500 })).toBe(20);
    expect(paramValue({}, { name: 'n', default: 500 })).toBe(500);
  });
});

describe('parseNumberInput', () => {
  it('accepts numbers within bounds only', () => {
    expect(parseNumberInput(' 0.05 ', { min: 0, exclusiveMin: true })).toBe(0.05);
    expect(parseNumberInput('0', { min: 0, exclusiveMin: true })).toBeNull();
    expect(parseNumberInput('1', { min: 0, max: 1, exclusiveMax: true })).toBeNull();
    expect(parseNumberInput('2.5', { integer: true })).toBeNull();
    expect(parseNumberInput('\u22123', { integer: true })).toBe(-3);
    expect(parseNumberInput('abc')).toBeNull();
    expect(parseNumberInput('')).toBeNull();
    expect(parseNumberInput('1e-3')).toBe(0.001);
  });
});
