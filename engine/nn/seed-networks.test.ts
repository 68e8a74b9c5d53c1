/** Rows 14 and 16 of the lecture's table, and the nn building blocks. */
import { describe, expect, it } from 'vitest';
import {
  BatchNorm1d, crossEntropy, Dropout, Flatten, Linear, manualSeed, Module, ones, ReLU, Sequential, SGD, tensor,
  binaryCrossEntropyWithLogits, mseLoss, perceptronCriterion, randn, Generator, type Tensor,
} from '../index';

/** The lecture's Iris network, written as its `class Net(nn.Module)`. */
class Net extends Module {
  l1 = this.registerModule('l1', new Linear(4, 128));
  l2 = this.registerModule('l2', new Linear(128, 64));
  l3 = this.registerModule('l3', new Linear(64, 32));
  l4 = this.registerModule('l4', new Linear(32, 16));
  l5 = this.registerModule('l5', new Linear(16, 3));
  bn1 = this.registerModule('bn1', new BatchNorm1d(128));
  bn2 = this.registerModule('bn2', new BatchNorm1d(64));
  bn3 = this.registerModule('bn3', new BatchNorm1d(32));
  act = this.registerModule('act', new ReLU());
  forward(x: Tensor): Tensor {
    x = this.act.forward(this.bn1.forward(this.l1.forward(x)));
    x = this.act.forward(this.bn2.forward(this.l2.forward(x)));
    x = this.act.forward(this.bn3.forward(this.l3.forward(x)));
    x = this.act.forward(this.l4.forward(x));
    return this.l5.forward(x);
  }
}

describe('seed row 14: the Iris network 4→128→64→32→16→3 with BatchNorm', () => {
  it('has 16 parameter tensors in PyTorch order, the first [128, 4]', () => {
    manualSeed(0);
    const net = new Net();
    const params = net.parameters();
    expect(params.length).toBe(16);
    expect(params[0]!.shape).toEqual([128, 4]);
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'l1.weight', 'l1.bias', 'l2.weight', 'l2.bias', 'l3.weight', 'l3.bias', 'l4.weight', 'l4.bias', 'l5.weight', 'l5.bias',
      'bn1.weight', 'bn1.bias', 'bn2.weight', 'bn2.bias', 'bn3.weight', 'bn3.bias',
    ]);
  });

  it('computes a loss, leaves grads null until backward, then fills them', () => {
    manualSeed(1);
    const net = new Net();
    const x = randn([4, 4]);
    const y = tensor(Int32Array.from([1, 0, 2, 0]), { shape: [4] });
    const loss = crossEntropy(net.forward(x), y);
    expect(loss.item()).toBeGreaterThan(0.5);
    expect(loss.item()).toBeLessThan(2);
    net.zeroGrad();
    expect(net.l5.bias!.grad).toBeNull();
    expect(net.l5.bias!.isLeaf).toBe(true);
    loss.backward();
    const g = net.l5.bias!.grad!.toList();
    expect(g.length).toBe(3);
    // the bias gradient of a softmax cross-entropy sums to zero over the classes
    expect(g.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 6);
  });
});

describe('seed row 16: Sequential Dense(2,relu) → Dense(3,relu) → Dense(4) on ones(3,3)', () => {
  it('outputs shape (3, 4)', () => {
    const model = new Sequential([new Linear(3, 2), new ReLU(), new Linear(2, 3), new ReLU(), new Linear(3, 4)]);
    expect(model.forward(ones([3, 3])).shape).toEqual([3, 4]);
    expect(model.parameters().length).toBe(6);
  });
});

describe('nn building blocks', () => {
  it('Linear uses Kaiming-uniform bounds and is deterministic by seed', () => {
    const a = new Linear(100, 50, { generator: new Generator(3) });
    const b = new Linear(100, 50, { generator: new Generator(3) });
    expect(Array.from(a.weight.data)).toEqual(Array.from(b.weight.data));
    const bound = 1 / Math.sqrt(100);
    expect(Math.max(...a.weight.data.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...a.weight.data.map(Math.abs))).toBeGreaterThan(bound * 0.9);
  });

  it('Linear names the feature mismatch', () => {
    expect(() => new Linear(4, 2).forward(ones([5, 3]))).toThrow('Linear: input has 3 features (shape [5, 3]) but in_features is 4');
  });

  it('BatchNorm1d refuses a batch of one in training, as PyTorch', () => {
    expect(() => new BatchNorm1d(3).forward(ones([1, 3]))).toThrow(/more than 1 value per channel/);
  });

  it('Dropout zeroes about p of the inputs, scales the rest by 1/(1−p), and is the identity in eval', () => {
    const d = new Dropout(0.25, new Generator(9));
    const x = ones([1000]);
    const y = d.forward(x).toList();
    const zeros = y.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(200);
    expect(zeros).toBeLessThan(300);
    expect(y.filter((v) => v !== 0).every((v) => Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    d.eval();
    expect(d.forward(x)).toBe(x);
  });

  it('Flatten keeps the batch dim', () => {
    expect(new Flatten().forward(ones([2, 28, 28])).shape).toEqual([2, 784]);
  });

  it('training lowers the loss (SGD on a tiny regression)', () => {
    const g = new Generator(5);
    const model = new Sequential([new Linear(2, 8, { generator: g }), new ReLU(), new Linear(8, 1, { generator: g })]);
    const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = tensor([[0], [1], [1], [2]]);
    const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    let first = 0;
    let last = 0;
    for (let i = 0; i < 200; i++) {
      opt.zeroGrad();
      const loss = mseLoss(model.forward(x), y);
      if (i === 0) first = loss.item();
      last = loss.item();
      loss.backward();
      opt.step();
    }
    expect(last).toBeLessThan(first / 20);
  });
});

describe('losses', () => {
  const o = tensor([[1, 2], [3, 5]]);
  const y = tensor([[0, 2], [1, 1]]);
  it('mse: PyTorch mean form', () => {
    expect(mseLoss(o, y).item()).toBeCloseTo((1 + 0 + 4 + 16) / 4, 6);
  });
  it("seed row 18: mse as e = 1/(2n)·Σ‖y−o‖² (n samples)", () => {
    expect(mseLoss(o, y, { form: 'half-sum-per-sample' }).item()).toBeCloseTo((1 + 0 + 4 + 16) / (2 * 2), 6);
  });
  it('cross-entropy equals −log softmax at the target', () => {
    const z = tensor([[2, 1, 0.1]]);
    const expected = -Math.log(Math.exp(2) / (Math.exp(2) + Math.exp(1) + Math.exp(0.1)));
    expect(crossEntropy(z, tensor(Int32Array.from([0]), { shape: [1] })).item()).toBeCloseTo(expected, 6);
    expect(() => crossEntropy(z, tensor(Int32Array.from([3]), { shape: [1] }))).toThrow('crossEntropy: target 3 at position 0 is out of bounds for 3 classes');
  });
  it('binary cross-entropy with logits is stable for large logits', () => {
    const z = tensor([100, -100, 0]);
    const t = tensor([1, 0, 1]);
    expect(binaryCrossEntropyWithLogits(z, t).item()).toBeCloseTo(Math.log(2) / 3, 6);
  });
  it('perceptron criterion sums −y·s over misclassified samples; its gradient is the delta rule', () => {
    const w = tensor([0.5, -0.5], { requiresGrad: true });
    const x = tensor([[1, 0], [0, 1], [1, 1]]);
    const labels = tensor([1, 1, -1]);
    const s = x.matmul(w); // [0.5, -0.5, 0]
    const j = perceptronCriterion(s, labels);
    expect(j.item()).toBeCloseTo(0.5, 6); // sample 2 (y·s = −0.5) and sample 3 (y·s = 0) are misclassified
    j.backward();
    // ∂J/∂w = Σ_misclassified −y·x = −(0,1) + (1,1) = (1, 0)
    expect(w.grad!.toList()).toEqual([1, 0]);
  });
});
