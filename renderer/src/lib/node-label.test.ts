import { describe, expect, it } from 'vitest';
import { nodeAccessibleLabel } from './node-label';
import { indexDiagnostics } from '../store/diagnostics';

describe('a node’s accessible name', () => {
  it('is its type and title when there is nothing to say', () => {
    expect(nodeAccessibleLabel('Linear', 'hidden', [])).toBe('Linear node hidden');
    expect(nodeAccessibleLabel('Linear', 'Linear', [])).toBe('Linear node Linear');
  });

  it('names a warning a warning', () => {
    const index = indexDiagnostics([{ severity: 'warning', code: 'unused', nodeId: 'a', message: 'Activation "a": its output is not used by any node' }]);
    expect(nodeAccessibleLabel('Activation', 'a', index.nodes.get('a')!.items)).toBe('Activation node a — warning: Activation "a": its output is not used by any node');
  });

  it('names the real shape error (and first) when the node has a warning too', () => {
    // the engine's diagnostics for one node: the warning comes first, the shape error after it
    const index = indexDiagnostics([
      { severity: 'warning', code: 'unused', nodeId: 'h', message: 'Linear "hidden": its output is not used by any node' },
      { severity: 'error', code: 'shape-mismatch', nodeId: 'h', port: 'in', message: 'Linear "hidden": input has 3 features but in_features is 4' },
      { severity: 'error', code: 'shape-mismatch', nodeId: 'other', message: 'not this node' },
    ]);
    const label = nodeAccessibleLabel('Linear', 'hidden', index.nodes.get('h')!.items);
    expect(label).toBe(
      'Linear node hidden — error: Linear "hidden": input has 3 features but in_features is 4; warning: Linear "hidden": its output is not used by any node',
    );
    expect(label).not.toContain('not this node');
    expect(label).not.toMatch(/error: [^;]*not used/); // the warning is not called an error
  });

  it('calls info a note and says a repeated message once', () => {
    expect(
      nodeAccessibleLabel('Loss', 'loss', [
        { severity: 'info', message: 'training needs a dataset' },
        { severity: 'error', message: 'input "target" is not connected' },
        { severity: 'error', message: 'input "target" is not connected' },
      ]),
    ).toBe('Loss node loss — error: input "target" is not connected; note: training needs a dataset');
  });
});
