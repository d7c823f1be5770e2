'use client';
import { useReactFlow, type Edge } from '@xyflow/react';
import { useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { wireEnd, type CanvasNode, type Kinds } from './canvas-graph';
import type { CanvasMenu } from './CanvasMenus';

type ScreenPoint = { clientX: number; clientY: number };

/**
 * The canvas's box and what opens over it: the menu open now (a loose wire's steps, a step's menu,
 * "Connect to…"), where the pointer is (a paste goes there) and the middle of the view (a step added
 * with nothing selected goes there). `boxProps` go on the element around the canvas; the context-menu
 * key (or Shift+F10) there opens the selected step's menu, as a right-click does.
 */
export function useCanvasMenu({ wiring, selectedId, enabled }: { wiring: { nodes: CanvasNode[]; edges: Edge[]; kinds: Kinds }; selectedId: string | null; enabled: boolean }) {
  const { screenToFlowPosition } = useReactFlow();
  const box = useRef<HTMLDivElement>(null);
  const pointer = useRef<{ x: number; y: number } | null>(null);
  const [menu, setMenu] = useState<CanvasMenu | null>(null);
  /** Where a popover opens in the box, for a point on the screen (kept inside it). */
  const inBox = (p: ScreenPoint) => {
    const rect = box.current!.getBoundingClientRect();
    return { x: Math.max(0, Math.min(p.clientX - rect.left, rect.width - 270)), y: Math.max(0, Math.min(p.clientY - rect.top, rect.height - 200)) };
  };
  const openNode = (nodeId: string, point: ScreenPoint) => enabled && setMenu({ kind: 'node', nodeId, at: inBox(point) });
  return {
    menu,
    setMenu,
    close: () => setMenu(null),
    boxProps: {
      ref: box,
      onMouseMove: (e: MouseEvent) => (pointer.current = { x: e.clientX, y: e.clientY }),
      onMouseLeave: () => (pointer.current = null),
      onKeyDown: (e: KeyboardEvent) => {
        if (!selectedId || !(e.key === 'ContextMenu' || (e.shiftKey && e.key === 'F10'))) return;
        e.preventDefault();
        const rect = document.querySelector(`.react-flow__node[data-id="${CSS.escape(selectedId)}"]`)?.getBoundingClientRect();
        if (rect) openNode(selectedId, { clientX: rect.left + 20, clientY: rect.bottom });
      },
    },
    pointer: () => pointer.current && screenToFlowPosition(pointer.current),
    viewCenter: () => {
      const rect = box.current!.getBoundingClientRect();
      return screenToFlowPosition({ x: rect.left + rect.width / 2 - 112, y: rect.top + rect.height / 3 });
    },
    openNode,
    openConnect: (nodeId: string) => enabled && setMenu({ kind: 'connect', nodeId, at: { x: 12, y: 12 } }),
    /** A wire from a node's handle let go of at `point`: the steps that fit its end. */
    openWire: (nodeId: string, handle: { id?: string | null; type: 'source' | 'target' }, point: ScreenPoint) => {
      const end = wireEnd(wiring, nodeId, handle.id ?? '', handle.type === 'source' ? 'output' : 'input');
      if (enabled && end) setMenu({ kind: 'wire', end, at: inBox(point), drop: screenToFlowPosition({ x: point.clientX, y: point.clientY }) });
    },
  };
}
