import { describe, expect, it } from 'vitest';
import { NODE_BOX, inView, placeNode, type ViewArea } from './placement';

// a 1000×600 view at zoom 1, the minimap in the bottom-right corner, the controls bottom-left
const view: ViewArea = {
  x: 0, y: 0, width: 1000, height: 600,
  blocked: [
    { x: 840, y: 490, width: 160, height: 110 },
    { x: 0, y: 500, width: 50, height: 100 },
  ],
};

describe('placing a node added from the palette', () => {
  it('goes to the middle of the view when nothing is selected', () => {
    const p = placeNode({ anchor: null, view, nodes: [] });
    expect(p).toEqual({ x: 500 - NODE_BOX.width / 2, y: 300 - NODE_BOX.height / 2 });
  });
  it('goes beside the selected node while that can be seen', () => {
    expect(placeNode({ anchor: { x: 300, y: 100 }, view, nodes: [{ x: 80, y: 100 }] })).toEqual({ x: 300, y: 100 });
  });
  it('never lands under the minimap: an anchor there moves to a free spot in view', () => {
    const anchor = { x: 820, y: 470 };
    expect(inView(anchor, view)).toBe(false);
    const p = placeNode({ anchor, view, nodes: [{ x: 600, y: 470 }] });
    expect(inView(p, view)).toBe(true);
    expect(Math.hypot(p.x - anchor.x, p.y - anchor.y)).toBeLessThan(400);
  });
  it('never lands off screen: a selected node at the right edge puts the new one back in view', () => {
    const p = placeNode({ anchor: { x: 1200, y: 100 }, view, nodes: [{ x: 980, y: 100 }] });
    expect(inView(p, view)).toBe(true);
  });
  it('keeps off other nodes', () => {
    const centre = { x: 500 - NODE_BOX.width / 2, y: 300 - NODE_BOX.height / 2 };
    const p = placeNode({ anchor: null, view, nodes: [centre] });
    expect(inView(p, view)).toBe(true);
    expect(Math.abs(p.x - centre.x) >= NODE_BOX.width || Math.abs(p.y - centre.y) >= NODE_BOX.height).toBe(true);
  });
  it('stays in view when the view is full', () => {
    const nodes = [];
    for (let x = -200; x < 1200; x += 40) for (let y = -200; y < 800; y += 40) nodes.push({ x, y });
    expect(inView(placeNode({ anchor: null, view, nodes }), view)).toBe(true);
  });
  it('without a canvas: beside the anchor, nudged off other nodes', () => {
    expect(placeNode({ anchor: { x: 10, y: 10 }, view: null, nodes: [{ x: 10, y: 10 }] })).toEqual({ x: 10, y: 120 });
  });
});
