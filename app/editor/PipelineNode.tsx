'use client';
import { Handle, Position, useNodeConnections, type Node, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { acceptedTypes, type PortSpec, type PortType } from '../../lib/ports';
import { Sparkline } from './charts';
import { useEditor, type DiffMark, type PipelineNodeData } from './context';
import { formatHeadline, headlineMetric, isEvaluation } from '../../lib/model-headline';

const STATUS_STYLE: Record<string, string> = {
  pending: 'bg-slate-100 text-slate-600',
  queued: 'bg-amber-100 text-amber-800',
  running: 'bg-blue-100 text-blue-800',
  done: 'bg-emerald-100 text-emerald-800',
  cached: 'bg-teal-100 text-teal-800',
  failed: 'bg-red-100 text-red-800',
  skipped: 'bg-slate-100 text-slate-500',
  cancelled: 'bg-slate-200 text-slate-600',
};

/** A compared node's outline: params changed in amber, added in green. */
const DIFF_STYLE: Record<DiffMark, string> = {
  changed: 'outline outline-3 outline-offset-2 outline-amber-500',
  added: 'outline outline-3 outline-offset-2 outline-emerald-500',
};

const HANDLE_TOP = 66;
const HANDLE_GAP = 24;

function PipelineNodeView({ id, data, selected }: NodeProps<Node<PipelineNodeData, 'pipeline'>>) {
  const { kinds, portColors, passedTypes, problems, run, forecast, diffMarks } = useEditor();
  const mark = diffMarks[id];
  const parts = Object.entries(run?.steps ?? {}).filter(([stepId]) => stepId.startsWith(`${id}#`));
  const next = forecast[id];
  const kind = kinds.get(data.kind);
  const step = run?.steps[id];
  const nodeProblems = problems[id] ?? [];
  const losses = (run?.curves[id] ?? []).map((p) => p.values.loss).filter(Number.isFinite);
  const ports = Math.max(kind?.inputs.length ?? 0, kind?.outputs.length ?? 0);
  const metrics = step?.metrics;

  return (
    <div
      className={`w-56 rounded-lg border bg-white shadow-sm ${selected ? 'border-indigo-500 ring-2 ring-indigo-200' : nodeProblems.length ? 'border-red-400' : 'border-slate-300'} ${mark ? DIFF_STYLE[mark] : ''}`}
      style={{ minHeight: HANDLE_TOP + ports * HANDLE_GAP + 8 }}
      data-testid={`node-${id}`}
      data-status={step?.status ?? 'idle'}
      data-diff={mark}
      title={mark && (mark === 'added' ? 'Added since the version compared' : 'Settings changed since the version compared')}
    >
      <div className="flex items-center justify-between gap-2 rounded-t-lg border-b border-slate-200 bg-slate-50 px-3 py-2">
        <div className="min-w-0">
          <div className="truncate text-sm font-semibold">{kind?.label ?? data.kind}</div>
          <div className="text-[10px] uppercase tracking-wide text-slate-500">{kind?.category ?? 'unknown'}</div>
        </div>
        {step && (
          <span className={`rounded px-1.5 py-0.5 text-[10px] font-medium ${STATUS_STYLE[step.status] ?? ''}`} data-testid="node-status">
            {step.status}
          </span>
        )}
      </div>
      {!kind && <Placeholder id={id} kind={data.kind} typeVersion={data.typeVersion} />}
      <PortHandles ports={kind?.inputs ?? []} side="input" colors={portColors} />
      <PortHandles
        ports={(kind?.outputs ?? []).map((p) => ({ ...p, type: passedTypes[`${id}:${p.name}`] ?? p.type }))}
        side="output"
        colors={portColors}
      />
      <div className="px-3 pb-2" style={{ paddingTop: ports * HANDLE_GAP + 4 }}>
        {parts.length > 0 && (
          <div className="text-[11px] text-slate-600" data-testid="node-parts">
            parts: {parts.filter(([, p]) => p.status === 'done' || p.status === 'cached').length}/{parts.length} done
          </div>
        )}
        {next && (
          <div className={`text-[11px] ${next.willRun ? 'text-amber-700' : 'text-teal-700'}`} data-testid="node-forecast">
            {next.willRun ? `next run: runs — ${next.reason}` : 'next run: reused from cache'}
          </div>
        )}
        {step?.status === 'running' && (
          <div className="h-1.5 w-full overflow-hidden rounded bg-slate-200" role="progressbar" aria-valuenow={Math.round(step.progress * 100)}>
            <div className="h-full bg-blue-500 transition-all" style={{ width: `${Math.round(step.progress * 100)}%` }} />
          </div>
        )}
        {losses.length > 1 && <Sparkline values={losses} />}
        {isEvaluation(metrics) && (
          <div className="text-xs font-medium text-emerald-800">
            {formatHeadline(headlineMetric(metrics))}
          </div>
        )}
        {metrics && typeof metrics.modelName === 'string' && (
          <div className="text-xs text-slate-700">
            published <b>{metrics.modelName}</b> v{String(metrics.version)}
          </div>
        )}
        {step?.error && <div className="mt-1 text-xs text-red-700">{step.error}</div>}
        {nodeProblems.slice(0, 3).map((p, i) => (
          <div key={i} className="mt-1 text-xs text-red-700" data-testid="node-problem">
            {p.message}
          </div>
        ))}
      </div>
    </div>
  );
}

/** Inputs on the left, outputs on the right, each coloured by its port type. */
function PortHandles({ ports, side, colors }: { ports: PortSpec[]; side: 'input' | 'output'; colors: Record<PortType, string> }) {
  const isInput = side === 'input';
  return ports.map((port, i) => (
    <div key={port.name}>
      <Handle
        type={isInput ? 'target' : 'source'}
        position={isInput ? Position.Left : Position.Right}
        id={port.name}
        style={{ top: HANDLE_TOP + i * HANDLE_GAP, background: colors[port.type] }}
        title={`${port.label} (${acceptedTypes(port).join(' or ')})`}
      />
      <span className={`absolute text-[10px] text-slate-500 ${isInput ? 'left-3' : 'right-3'}`} style={{ top: HANDLE_TOP + i * HANDLE_GAP - 7 }}>
        {port.label}
      </span>
    </div>
  ));
}

export const PipelineNode = memo(PipelineNodeView);

/**
 * A step of a kind this Pipeloom does not have (from another version or server): kept as it came,
 * params and connections, shown as such; its handles are the ports its connections name.
 */
function Placeholder({ id, kind, typeVersion }: { id: string; kind: string; typeVersion: number }) {
  const connections = useNodeConnections({ id });
  const { portColors } = useEditor();
  const ports = (side: 'input' | 'output') =>
    [...new Set(connections.filter((c) => (side === 'input' ? c.target === id : c.source === id)).map((c) => (side === 'input' ? c.targetHandle : c.sourceHandle) ?? ''))].map(
      (name) => ({ name, label: name, type: 'Table' as const }),
    );
  const [inputs, outputs] = [ports('input'), ports('output')];
  return (
    <>
      <PortHandles ports={inputs} side="input" colors={portColors} />
      <PortHandles ports={outputs} side="output" colors={portColors} />
      <div
        className="border-y border-red-200 bg-red-50 px-3 py-1 text-[11px] text-red-800"
        style={{ marginTop: Math.max(inputs.length, outputs.length) * HANDLE_GAP + 4 }}
        data-testid="placeholder-node"
      >
        Missing kind {kind} v{typeVersion}: kept as is, cannot run
      </div>
    </>
  );
}
