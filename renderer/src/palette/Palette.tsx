/**
 * The node palette, from the engine's node registry: grouped by category, with a search box.
 * Drag an item onto the canvas, or click it / press Enter to add it (next to the selected node,
 * else in the middle of the view, always where it can be seen). Each item's accessible name is
 * its label; its tooltip the one-line description. The list is one Tab stop (roving tab index):
 * ↑ ↓ Home End move between the items.
 */
import { useId, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { useCatalog } from '../store/catalog-store';
import { documentStore } from '../store/document-store';
import { paletteGroups, type NodeTypeInfo } from '../lib/node-types';
import { NODE_DRAG_MIME } from '../canvas/FlowCanvas';
import { revealNode, visibleArea } from '../canvas/flow-api';
import { placeNode } from '../canvas/placement';
import { rovingIndex, tabStop } from '../lib/roving';
import { CollapseButton } from '../ui/SideRail';
import type { XY } from '../store/graph-ops';

/**
 * Where a clicked item goes: right of the selected node, else the view's centre — on a free spot
 * inside the part of the view nothing covers (not under the minimap or the controls).
 */
export function placementFor(): XY {
  const s = documentStore.getState();
  const doc = s.document;
  const anchor = s.selection.nodes.length === 1 ? doc.nodes.find((n) => n.id === s.selection.nodes[0]) : undefined;
  return placeNode({
    anchor: anchor ? { x: anchor.position.x + 220, y: anchor.position.y } : null,
    view: visibleArea(),
    nodes: doc.nodes.map((n) => n.position),
  });
}

function addFromPalette(type: string): void {
  const before = new Set(documentStore.getState().document.nodes.map((n) => n.id));
  documentStore.getState().addNode(type, placementFor());
  const added = documentStore.getState().document.nodes.find((n) => !before.has(n.id));
  if (added) revealNode(added.id);
}

function PaletteItem({ info, tabbable, onFocus }: { info: NodeTypeInfo; tabbable: boolean; onFocus(): void }) {
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
        onFocus={onFocus}
        tabIndex={tabbable ? 0 : -1}
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
  const flat = useMemo(() => groups.flatMap((g) => g.items.map((t) => t.type)), [groups]);
  const [active, setActive] = useState<string | null>(null);
  const stop = tabStop(active ? flat.indexOf(active) : -1, flat.length);

  const onSearchKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      const first = groups[0]?.items[0];
      if (first) {
        e.preventDefault();
        addFromPalette(first.type);
      }
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      focusItem(stop);
    } else if (e.key === 'Escape') setQuery('');
  };

  const focusItem = (i: number) => {
    const type = flat[i];
    if (type) listRef.current?.querySelector<HTMLButtonElement>(`button.bp-palette-item[data-node-type="${CSS.escape(type)}"]`)?.focus();
  };
  // the list is one Tab stop; ↑ ↓ Home End move between the items
  const onListKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = flat.indexOf((document.activeElement as HTMLElement | null)?.dataset?.['nodeType'] ?? '');
    if (i < 0) return;
    const next = rovingIndex(i, flat.length, e.key, { orientation: 'vertical' });
    if (next === null) return;
    e.preventDefault();
    focusItem(next);
  };

  return (
    <aside className="bp-palette" aria-label="Node palette">
      <div className="bp-side-head">
        <h2>Nodes</h2>
        <CollapseButton side="palette" />
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
                <PaletteItem key={t.type} info={t} tabbable={flat[stop] === t.type} onFocus={() => setActive(t.type)} />
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
