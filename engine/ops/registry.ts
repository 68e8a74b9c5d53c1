import type { OpDef } from './define-op';
import { binaryOps } from './binary';
import { unaryOps } from './unary';
import { reduceOps } from './reduce';
import { shapeOps } from './shape-ops';
import { matmulOp } from './matmul';
import { softmaxOps } from './softmax';
import { indexOps } from './index-ops';
import { identityOp } from './identity';
import { assignOp } from './state';

/** The ONE list of ops. Every op the engine can record, lower or check is here, exactly once. */
const ALL: readonly OpDef[] = [
  ...binaryOps,
  ...unaryOps,
  ...reduceOps,
  ...shapeOps,
  matmulOp,
  ...softmaxOps,
  ...indexOps,
  identityOp,
  assignOp,
] as unknown as readonly OpDef[];

function buildRegistry(ops: readonly OpDef[]): ReadonlyMap<string, OpDef> {
  const map = new Map<string, OpDef>();
  for (const op of ops) {
    if (map.has(op.name)) throw new Error(`op registry: "${op.name}" is registered twice`);
    map.set(op.name, op);
  }
  return map;
}

export const opRegistry: ReadonlyMap<string, OpDef> = buildRegistry(ALL);

export function getOp(name: string): OpDef {
  const op = opRegistry.get(name);
  if (!op) throw new Error(`unknown op "${name}"`);
  return op;
}

export { buildRegistry };
