/** What the editor shows for a param: stored, else followed from the graph, else the default. */
import { describe, expect, it } from 'vitest';
import { TYPES } from '../test/fixtures';
import { keyParamRows, paramValue } from './node-types';

describe('param values on the node face and in the inspector', () => {
  const linear = TYPES.get('Linear')!;
  const spec = linear.params['inFeatures'];

  it('a stored value wins; an unset param shows what it follows; else its default', () => {
    expect(paramValue({ params: { inFeatures: 3 } }, 'inFeatures', spec, { inFeatures: 2 })).toBe(3);
    expect(paramValue({ params: {} }, 'inFeatures', spec, { inFeatures: 2 })).toBe(2);
    expect(paramValue({ params: {} }, 'inFeatures', spec)).toBe(1);
  });

  it('the key params on the node face use the followed values', () => {
    expect(keyParamRows({ params: { outFeatures: 4 } }, linear, { inFeatures: 2 }).map((r) => [r.name, r.value])).toEqual([
      ['inFeatures', '2'],
      ['outFeatures', '4'],
    ]);
  });
});
