/** Backprop Studio engine: the public API. */
export { Tensor, isTensor } from './core/tensor';
export type { NestedArray, BackwardOptions } from './core/tensor';
export type { DType, TypedArray } from './core/dtype';
export type { Shape } from './core/shape';
export { formatShape, broadcastShapes } from './core/shape';
export { EngineError, ShapeError, AutogradError } from './core/errors';
export { Generator, manualSeed, defaultGenerator } from './core/random';
export { tensor, zeros, ones, full, zerosLike, onesLike, fullLike, scalar, arange, randn, rand, eye } from './core/creation';
export * from './ops/functional';
export { opRegistry, getOp } from './ops/registry';
export { defineOp, apply, traceOps } from './ops/define-op';
export type { OpDef, OpSample, VjpContext, Attrs, OpTracer } from './ops/define-op';
export { noGrad, enableGrad, isGradEnabled } from './autograd/grad-mode';
export { grad, backward } from './autograd/backward';
export { GradNode } from './autograd/node';
export { Module } from './nn/module';
export {
  Linear, BatchNorm1d, Dropout, Flatten, Activation, ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Softmax, Step, Sign, Identity, Sequential,
} from './nn/layers';
export type { LinearOptions, BatchNormOptions } from './nn/layers';
export { mseLoss, crossEntropy, nllLoss, binaryCrossEntropyWithLogits, perceptronCriterion } from './nn/losses';
export type { MseOptions, Reduction } from './nn/losses';
export { kaimingUniform_, kaimingNormal_, xavierUniform_, xavierNormal_, uniform_, normal_, constant_, zeros_, initLinear_, LINEAR_INITS, type LinearInit } from './nn/init';
export { Optimizer } from './optim/optimizer';
export type { OptimizerState } from './optim/optimizer';
export { SGD } from './optim/sgd';
export type { SGDOptions } from './optim/sgd';
export { Adam, AdamW } from './optim/adam';
export type { AdamOptions } from './optim/adam';
export { StepThrough, snapshot } from './graph/step-through';
export type { Step as BackpropStep, ForwardStep, BackwardStep, TensorSnapshot, LocalGradient } from './graph/step-through';
export { listBackends, executorFactory, BACKENDS } from './backends/index';
export type { BackendName } from './backends/index';
