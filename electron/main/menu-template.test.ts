import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { COMMAND_IDS } from '../shared/ipc-contract';
import { buildMenuTemplate } from './menu-template';

type Item = MenuItemConstructorOptions;
const sub = (item: Item | undefined): Item[] => (item?.submenu as Item[]) ?? [];
const labels = (items: Item[]) => items.filter((i) => i.type !== 'separator').map((i) => i.label ?? i.role);

function menu(platform: NodeJS.Platform, recent: string[] = []) {
  const send = vi.fn();
  const clearRecent = vi.fn();
  const template = buildMenuTemplate({ platform, recent, send, clearRecent, devTools: false });
  const find = (label: string) => template.find((t) => t.label === label);
  return { template, send, clearRecent, find };
}

describe('the app menu', () => {
  it('has File, Edit, View and Help with the commands users expect', () => {
    const { find } = menu('linux');
    expect(labels(sub(find('File')))).toEqual(['New', 'New from Template…', 'Open…', 'Open Recent', 'Save', 'Save As…', 'Save Without Weights…', 'Import ONNX…', 'Export ONNX…', 'Export PyTorch Script…', 'Quit']);
    expect(labels(sub(find('Edit')))).toEqual(['Undo', 'Redo', 'Cut', 'Copy', 'Paste', 'Delete', 'Select All']);
    expect(labels(sub(find('View')))).toEqual(['Fit to Window', 'Zoom In', 'Zoom Out', 'Toggle Panels', 'Toggle Node Palette', 'Toggle Inspector', 'Toggle Bottom Panels']);
    expect(labels(sub(find('Help')))).toEqual(['Examples', 'Keyboard Shortcuts', 'About Backprop Studio']);
  });

  it('uses the usual accelerators', () => {
    const { find } = menu('linux');
    const acc = (section: string, label: string) => sub(find(section)).find((i) => i.label === label)?.accelerator;
    expect(acc('File', 'New')).toBe('CmdOrCtrl+N');
    expect(acc('File', 'Open…')).toBe('CmdOrCtrl+O');
    expect(acc('File', 'Save')).toBe('CmdOrCtrl+S');
    expect(acc('File', 'Save As…')).toBe('CmdOrCtrl+Shift+S');
    expect(acc('File', 'Quit')).toBe('Ctrl+Q');
    expect(acc('Edit', 'Undo')).toBe('CmdOrCtrl+Z');
    expect(acc('Edit', 'Redo')).toBe('Ctrl+Y');
    expect(acc('Edit', 'Copy')).toBe('CmdOrCtrl+C');
    expect(acc('Edit', 'Select All')).toBe('CmdOrCtrl+A');
    expect(acc('View', 'Zoom In')).toBe('CmdOrCtrl+=');
    expect(acc('View', 'Toggle Node Palette')).toBe('CmdOrCtrl+Alt+P');
    expect(acc('View', 'Toggle Inspector')).toBe('CmdOrCtrl+Alt+I');
    expect(acc('View', 'Toggle Bottom Panels')).toBe('CmdOrCtrl+J');
    // Delete is shown but not grabbed, so the key still works in text fields
    expect(sub(find('Edit')).find((i) => i.label === 'Delete')).toMatchObject({ accelerator: 'Delete', registerAccelerator: false });
    const mac = menu('darwin');
    expect(sub(mac.find('Edit')).find((i) => i.label === 'Redo')?.accelerator).toBe('Cmd+Shift+Z');
  });

  it('sends every command id to the renderer', () => {
    const { template, send } = menu('linux');
    const walk = (items: Item[]): Item[] => items.flatMap((i) => [i, ...walk(sub(i))]);
    for (const item of walk(template)) if (item.id?.startsWith('command:')) (item.click as () => void)();
    expect(send.mock.calls.map((c) => c[0]).sort()).toEqual([...COMMAND_IDS].sort());
  });

  it('lists recent files, opening them by command id', () => {
    const { find, send, clearRecent } = menu('linux', ['/home/u/xor.json', '/home/u/models/iris.json']);
    const recent = sub(sub(find('File')).find((i) => i.label === 'Open Recent'));
    expect(recent[0]!.label).toMatch(/xor\.json/);
    (recent[1]!.click as () => void)();
    expect(send).toHaveBeenCalledWith('open-recent:/home/u/models/iris.json');
    (recent.at(-1)!.click as () => void)();
    expect(clearRecent).toHaveBeenCalled();
    const empty = sub(sub(menu('linux').find('File')).find((i) => i.label === 'Open Recent'));
    expect(empty).toEqual([{ label: 'No Recent Files', enabled: false }]);
  });

  it('on macOS puts About and Quit in the app menu', () => {
    const { template, find } = menu('darwin');
    expect(template[0]!.label).toBe('Backprop Studio');
    expect(sub(template[0]).some((i) => i.role === 'quit')).toBe(true);
    expect(sub(find('File')).some((i) => i.role === 'quit')).toBe(false);
  });
});
