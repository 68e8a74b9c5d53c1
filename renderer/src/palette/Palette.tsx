/**
 * The node palette, from the engine's node registry: grouped by category, with a search box.
 * Drag an item onto the canvas, or click it / press Enter to add it (next to the selected node,
 * else in the middle of the view). Each item's accessible name is its label; its tooltip the
 * one-line description.
 */
import { useId, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { useCatalog } from '../store/catalog-store';
import { documentStore } from '../store/document-store';
import { paletteGroups, type NodeTypeInfo } from '../lib/node-types';
import { NODE_DRAG_MIME } from '../canvas/FlowCanvas';
import { viewportCentre } from '../canvas/flow-api';
import type { XY } from '../store/graph-ops';

/** Where a clicked item goes: right of the selected node, else the view's centre (nudged off others). */
export function placementFor(): XY {
  const s = documentStore.getState();
  const doc = s.document;
  const anchor = s.selection.nodes.length === 1 ? doc.nodes.find((n) => n.id === s.selection.nodes[0]) : undefined;
  let p: XY = anchor ? { x: anchor.position.x + 220, y: anchor.position.y } : (() => {
    const c = viewportCentre();
    return { x: c.x - 80, y: c.y - 30 };
  })();
  // do not land on another node (a node is about 156×60–100)
  const taken = (q: XY) => doc.nodes.some((n) => Math.abs(n.position.x - q.x) < 170 && Math.abs(n.position.y - q.y) < 100);
  for (let i = 0; i < 30 && taken(p); i++) p = { x: p.x, y: p.y + 110 };
  return p;
}

function addFromPalette(type: string): void {
  documentStore.getState().addNode(type, placementFor());
}

function PaletteItem({ info }: { info: NodeTypeInfo }) {
  const onDragStart = (e: DragEvent) => {
    e.dataTransfer.setData(NODE_DRAG_MIME, info.type);
    e.dataTransfer.setData('text/plain', info.label);
    e.dataTransfer.effectAllowed = 'copy';
  };
  return (
    <li>
      <button
        type="button"
        className={`bp-palette-item bp-cat-${info.category.toLowerCase()}`}
        draggable
        onDragStart={onDragStart}
        onClick={() => addFromPalette(info.type)}
        title={info.description}
        aria-label={info.label}
        aria-description={info.description}
        data-node-type={info.type}
      >
        <span className="bp-palette-swatch" aria-hidden="true" />
        <span className="bp-palette-label">{info.label}</span>
        <span className="bp-palette-ports" aria-hidden="true">
          {info.inputs.length}→{info.outputs.length}
        </span>
      </button>
    </li>
  );
}

export function Palette() {
  const types = useCatalog((s) => s.nodeTypes);
  const status = useCatalog((s) => s.status);
  const [query, setQuery] = useState('');
  const searchId = useId();
  const listRef = useRef<HTMLDivElement>(null);
  const groups = useMemo(() => paletteGroups(types, query), [types, query]);

  const onSearchKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      const first = groups[0]?.items[0];
      if (first) {
        e.preventDefault();
        addFromPalette(first.type);
      }
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      listRef.current?.querySelector<HTMLButtonElement>('button')?.focus();
    } else if (e.key === 'Escape') setQuery('');
  };

  // arrow keys move between items
  const onListKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const buttons = [...(listRef.current?.querySelectorAll<HTMLButtonElement>('button.bp-palette-item') ?? [])];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0) return;
    e.preventDefault();
    buttons[Math.max(0, Math.min(buttons.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)))]?.focus();
  };

  return (
    <aside className="bp-palette" aria-label="Node palette">
      <div className="bp-side-head">
        <h2>Nodes</h2>
      </div>
      <div className="bp-palette-search">
        <label htmlFor={searchId} className="bp-visually-hidden">
          Search nodes
        </label>
        <input
          id={searchId}
          type="search"
          placeholder="Search nodes…"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onSearchKey}
          aria-label="Search nodes"
          autoComplete="off"
          spellCheck={false}
        />
      </div>
      <div className="bp-palette-list" ref={listRef} onKeyDown={onListKey}>
        {status === 'loading' && types.length === 0 && <p className="bp-muted bp-pad">Loading node types…</p>}
        {status === 'offline' && types.length === 0 && <p className="bp-error-text bp-pad">The engine is not reachable, so there are no node types.</p>}
        {groups.map((g) => (
          <section key={g.category} className="bp-palette-group" aria-label={g.category}>
            <h3>{g.category}</h3>
            <ul>
              {g.items.map((t) => (
                <PaletteItem key={t.type} info={t} />
              ))}
            </ul>
          </section>
        ))}
        {types.length > 0 && groups.length === 0 && <p className="bp-muted bp-pad">No node matches “{query}”.</p>}
      </div>
      <p className="bp-palette-hint">Drag onto the canvas, or click / press Enter to add.</p>
    </aside>
  );
}
