/**
 * Errors thrown by the engine. Messages follow PyTorch's wording where the seed teaches it,
 * and always name the op and the argument at fault.
 */
export class EngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineError';
  }
}

/** A shape that an op cannot accept; the message names the op and both shapes. */
export class ShapeError extends EngineError {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

/** Misuse of autograd (second backward through a freed graph, implicit gradient of a non-scalar, …). */
export class AutogradError extends EngineError {
  constructor(message: string) {
    super(message);
    this.name = 'AutogradError';
  }
}
