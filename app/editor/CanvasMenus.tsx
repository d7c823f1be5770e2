'use client';
import type { Edge } from '@xyflow/react';
import { useEffect, useRef } from 'react';
import type { CatalogEntry } from '../../lib/catalog';
import { kindFits, possibleConnections, wireEndType, type CanvasNode, type Kinds, type WireEnd } from './canvas-graph';
import { StepFinder } from './StepFinder';
import type { useEditorCommands } from './useEditorCommands';

/** Something floating over the canvas at a point: Escape or a click outside closes it; its first control takes the focus. */
function Popover({ at, role, label, onClose, children }: { at: { x: number; y: number }; role: 'dialog' | 'menu'; label: string; onClose(): void; children: React.ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current?.contains(document.activeElement)) box.current?.querySelector<HTMLElement>('input, button')?.focus();
  }, []);
  return (
    <>
      <div className="absolute inset-0 z-20" onMouseDown={onClose} onContextMenu={(e) => (e.preventDefault(), onClose())} />
      <div
        ref={box}
        role={role}
        aria-label={label}
        className="absolute z-30 max-h-96 w-64 overflow-y-auto rounded border border-slate-300 bg-white p-2 text-sm shadow-lg"
        style={{ left: at.x, top: at.y }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            onClose();
          }
        }}
      >
        {children}
      </div>
    </>
  );
}

/** A wire dropped on empty canvas: the steps that take its end, to add there and connect. */
function WireDropMenu({ at, kinds, type, onChoose, onClose }: { at: { x: number; y: number }; kinds: CatalogEntry[]; type: string; onChoose(type: string): void; onClose(): void }) {
  const label = `Add a step for ${type}`;
  return (
    <Popover at={at} role="dialog" label={label} onClose={onClose}>
      <p className="mb-1 text-xs font-medium text-slate-700">{label}</p>
      <StepFinder kinds={kinds} label="Search steps that fit" onChoose={onChoose} autoFocus />
    </Popover>
  );
}

interface Choice {
  label: string;
  onSelect(): void;
}

/** A list of choices as buttons (dialog) or menu items (menu); ↑ ↓ move between them. */
function ChoiceList({ at, role, label, choices, empty, onClose }: { at: { x: number; y: number }; role: 'dialog' | 'menu'; label: string; choices: Choice[]; empty: string; onClose(): void }) {
  return (
    <Popover at={at} role={role} label={label} onClose={onClose}>
      {role === 'dialog' && <p className="mb-1 text-xs font-medium text-slate-700">{label}</p>}
      {choices.length === 0 && <p className="text-xs text-slate-500">{empty}</p>}
      <div
        onKeyDown={(e) => {
          if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
          e.preventDefault();
          const items = [...e.currentTarget.querySelectorAll('button')];
          const i = items.indexOf(document.activeElement as HTMLButtonElement);
          items[(i + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus();
        }}
      >
        {choices.map((c) => (
          <button
            key={c.label}
            type="button"
            role={role === 'menu' ? 'menuitem' : undefined}
            className="block w-full rounded px-2 py-1.5 text-left hover:bg-indigo-50 focus:bg-indigo-50 focus:outline-none"
            onClick={() => {
              onClose();
              c.onSelect();
            }}
          >
            {c.label}
          </button>
        ))}
      </div>
    </Popover>
  );
}

/** What floats over the canvas: the steps for a loose wire, a step's right-click menu, or "Connect to…". */
export type CanvasMenu =
  | { kind: 'wire'; end: WireEnd; at: Point; drop: Point }
  | { kind: 'node' | 'connect'; nodeId: string; at: Point };

type Point = { x: number; y: number };

/**
 * The open canvas menu. A step's menu: Run up to here, Duplicate, Delete, Connect to…, and Forget cached
 * result when its result is cached (the toolbar's and the inspector's actions, the same functions).
 */
export function CanvasMenus({
  menu,
  wiring,
  commands,
  runUpTo,
  forgetCached,
  isCached,
  onOpen,
  onClose,
}: {
  menu: CanvasMenu;
  wiring: { nodes: CanvasNode[]; edges: Edge[]; kinds: Kinds };
  commands: Pick<ReturnType<typeof useEditorCommands>, 'addStep' | 'connect' | 'duplicate' | 'remove'>;
  /** Null while a run is under way. */
  runUpTo: ((nodeId: string) => void) | null;
  forgetCached(nodeId: string): void;
  isCached(nodeId: string): boolean;
  onOpen(menu: CanvasMenu): void;
  onClose(): void;
}) {
  const { nodes, kinds } = wiring;
  if (menu.kind === 'wire') {
    const { end, at, drop } = menu;
    return (
      <WireDropMenu
        at={at}
        type={wireEndType(end)}
        kinds={[...kinds.values()].filter((k) => kindFits(k, end))}
        onChoose={(type) => {
          onClose();
          commands.addStep(type, { at: drop, wire: end });
        }}
        onClose={onClose}
      />
    );
  }
  const stepName = (id: string) => {
    const node = nodes.find((n) => n.id === id);
    return `${(node && kinds.get(node.data.kind)?.label) ?? node?.data.kind ?? id} (${id})`;
  };
  const portLabel = (id: string, port: string, side: 'inputs' | 'outputs') => {
    const node = nodes.find((n) => n.id === id);
    return (node && kinds.get(node.data.kind)?.[side].find((p) => p.name === port)?.label) ?? port;
  };
  const id = menu.nodeId;
  if (menu.kind === 'connect') {
    const choices = nodes
      .filter((n) => n.id !== id)
      .flatMap((other) => possibleConnections(wiring, id, other.id))
      .map((c) => ({
        label: `${stepName(c.source)} ${portLabel(c.source, c.sourceHandle ?? '', 'outputs')} → ${stepName(c.target)} ${portLabel(c.target, c.targetHandle ?? '', 'inputs')}`,
        onSelect: () => commands.connect(c),
      }));
    return <ChoiceList at={menu.at} role="dialog" label={`Connect ${stepName(id)} to…`} choices={choices} empty="No step can be connected to this one now." onClose={onClose} />;
  }
  const choices: Choice[] = [
    ...(runUpTo ? [{ label: 'Run up to here', onSelect: () => runUpTo(id) }] : []),
    { label: 'Duplicate', onSelect: () => commands.duplicate([id]) },
    { label: 'Delete', onSelect: () => commands.remove([id]) },
    { label: 'Connect to…', onSelect: () => onOpen({ kind: 'connect', nodeId: id, at: menu.at }) },
    ...(isCached(id) ? [{ label: 'Forget cached result', onSelect: () => forgetCached(id) }] : []),
  ];
  return <ChoiceList at={menu.at} role="menu" label={`${stepName(id)} actions`} choices={choices} empty="" onClose={onClose} />;
}

/** The toolbar's editing buttons: Undo, Redo, and Connect to… for the selected step. */
export function EditButtons({ undoLabel, redoLabel, onUndo, onRedo, onConnect }: { undoLabel: string | null; redoLabel: string | null; onUndo(): void; onRedo(): void; onConnect: (() => void) | null }) {
  const button = 'rounded border border-slate-300 px-2 py-1 text-sm hover:bg-slate-50 disabled:opacity-40';
  return (
    <div role="group" aria-label="Edit" className="flex items-center gap-1">
      <button type="button" className={button} aria-label="Undo" title={undoLabel ? `${undoLabel} (Ctrl+Z)` : 'Nothing to undo'} disabled={!undoLabel} onClick={onUndo}>
        ↶ Undo
      </button>
      <button type="button" className={button} aria-label="Redo" title={redoLabel ? `${redoLabel} (Ctrl+Shift+Z or Ctrl+Y)` : 'Nothing to redo'} disabled={!redoLabel} onClick={onRedo}>
        ↷ Redo
      </button>
      {onConnect && (
        <button type="button" className={button} onClick={onConnect} title="Connect the selected step to another, by keyboard">
          Connect to…
        </button>
      )}
    </div>
  );
}
