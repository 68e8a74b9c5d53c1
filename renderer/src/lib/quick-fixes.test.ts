import { describe, expect, it } from 'vitest';
import { lastDim, quickFixes } from './quick-fixes';
import { TYPES, mlpDocument } from '../test/fixtures';

describe('quick fixes from inferred shapes', () => {
  it('offers the incoming feature count to a Linear that disagrees', () => {
    const doc = mlpDocument();
    const o = doc.nodes.find((n) => n.id === 'o')!;
    expect(quickFixes(o, TYPES.get('Linear'), doc, { 'a-o': 'N×8' })).toEqual([{ param: 'inFeatures', value: 8, because: 'the input is N×8' }]);
    expect(quickFixes(o, TYPES.get('Linear'), doc, { 'a-o': 'N×4' })).toEqual([]);
    expect(quickFixes(o, TYPES.get('Linear'), doc, {})).toEqual([]);
  });
  it('reads the last dimension of a shape', () => {
    expect(lastDim('N×128')).toBe(128);
    expect(lastDim('28×28')).toBe(28);
    expect(lastDim('N×M')).toBeNull();
    expect(lastDim('scalar')).toBeNull();
  });
});
