/**
 * A node's look in Backprop mode: the node being processed is highlighted (forward or backward),
 * the ones already processed in the current phase are marked done.
 */
import { useBackprop } from './backprop-store';

/** A class suffix for the node with `id`: ` is-bp-active is-bp-forward`, ` is-bp-done`, or ''. */
export function useNodeStepState(id: string): string {
  return useBackprop((s) => {
    if (s.mode !== 'backprop' || s.cursor < 0) return s.mode === 'backprop' ? ' is-bp' : '';
    const cur = s.steps[s.cursor];
    if (!cur) return ' is-bp';
    if (cur.nodeId === id) return ` is-bp is-bp-active is-bp-${cur.phase}`;
    for (let i = s.cursor - 1; i >= 0; i--) {
      const st = s.steps[i]!;
      if (st.phase !== cur.phase) break;
      if (st.nodeId === id) return ` is-bp is-bp-done is-bp-done-${cur.phase}`;
    }
    return ' is-bp';
  });
}
