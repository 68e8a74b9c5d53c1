/**
 * Grad mode: whether ops record themselves on the autograd tape. `noGrad(fn)` is PyTorch's
 * `with torch.no_grad():` — used by optimizers, evaluation, and backward passes that do not
 * ask for `createGraph`.
 */
let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run `fn` with grad mode set to `enabled`, restoring the previous mode afterwards. */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Run `fn` without recording operations for autograd (PyTorch `torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Run `fn` with recording on, even inside `noGrad` (PyTorch `torch.enable_grad()`). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}
