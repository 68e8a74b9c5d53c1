/**
 * A collapsed side panel: a narrow rail with the button that brings the panel back (its shortcut
 * in the tooltip), and the button that collapses a shown panel (in its header).
 */
import { COMMANDS, keyLabel } from '../commands';
import { uiStore } from '../store/ui-store';

type Side = 'palette' | 'inspector';

const NAMES: Record<Side, { title: string; command: 'toggle-palette' | 'toggle-inspector' }> = {
  palette: { title: 'Nodes', command: 'toggle-palette' },
  inspector: { title: 'Inspector', command: 'toggle-inspector' },
};

function shortcut(side: Side): string {
  const k = COMMANDS[NAMES[side].command].keys?.[0];
  return k ? ` (${keyLabel(k)})` : '';
}

function toggle(side: Side): void {
  if (side === 'palette') uiStore.getState().togglePalette();
  else uiStore.getState().toggleInspector();
}

export function SideRail({ side }: { side: Side }) {
  const label = side === 'palette' ? 'Show the node palette' : 'Show the inspector';
  return (
    <div className={`bp-rail is-${side}`}>
      <button type="button" className="bp-rail-btn" onClick={() => toggle(side)} aria-label={label} title={`${label}${shortcut(side)}`} aria-expanded={false}>
        <span aria-hidden="true" className="bp-rail-arrow">
          {side === 'palette' ? '›' : '‹'}
        </span>
        <span aria-hidden="true" className="bp-rail-text">
          {NAMES[side].title}
        </span>
      </button>
    </div>
  );
}

/** The ‹ / › in a side panel's header that collapses it. */
export function CollapseButton({ side }: { side: Side }) {
  const label = side === 'palette' ? 'Hide the node palette' : 'Hide the inspector';
  return (
    <button type="button" className="bp-icon-btn bp-collapse-btn" onClick={() => toggle(side)} aria-label={label} title={`${label}${shortcut(side)}`} aria-expanded>
      <span aria-hidden="true">{side === 'palette' ? '‹' : '›'}</span>
    </button>
  );
}
