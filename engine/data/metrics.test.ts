import { describe, expect, it } from 'vitest';
import { classProbabilities, decisionThreshold } from './metrics';

const index = { labelEncoding: 'index' as const };
const signed = { labelEncoding: 'signed' as const };

describe('classProbabilities: the one reading of a prediction row as class probabilities (service and CLI)', () => {
  it('keeps a distribution, takes the softmax of logits', () => {
    expect(classProbabilities([0.2, 0.5, 0.3], 'crossEntropy', index)).toEqual([0.2, 0.5, 0.3]);
    const p = classProbabilities([1, 2, 3], 'crossEntropy', index)!;
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const z = e[0]! + e[1]! + e[2]!;
    expect(p[0]).toBeCloseTo(e[0]! / z, 12);
    expect(p[2]).toBeCloseTo(1 / z, 12);
    // non-negative but not summing to 1: logits, not a distribution
    expect(classProbabilities([0, 2], null, index)![1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
  });

  it('one BCE logit: its sigmoid; one 0/1 output compared with 0.5: itself', () => {
    expect(classProbabilities([0], 'bce', index)).toEqual([0.5, 0.5]);
    expect(classProbabilities([Math.log(3)], 'bce', index)![1]).toBeCloseTo(0.75, 12);
    expect(classProbabilities([0.25], 'mse', index)).toEqual([0.75, 0.25]);
    expect(classProbabilities([1.25], 'mse', index)).toBeNull();
  });

  it("a perceptron's score is no probability: null (the service gave [0, 1], the CLI null)", () => {
    expect(decisionThreshold('perceptron', signed)).toBe(0);
    expect(classProbabilities([0.7], 'perceptron', signed)).toBeNull();
    expect(classProbabilities([-0.7], 'perceptron', index)).toBeNull();
    // an MSE output trained on ±1 labels is compared with 0: a score too
    expect(classProbabilities([0.3], 'mse', signed)).toBeNull();
  });
});
