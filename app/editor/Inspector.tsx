'use client';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { ColumnSchema } from '../../lib/table';
import type { CatalogEntry } from '../../nodes/define';
import { useTRPC } from '../trpc';
import type { NodeProblem } from './context';

/** The subset of JSON Schema that z.toJSONSchema emits for node params, plus our .meta() keys. */
interface FieldSchema {
  type?: string;
  title?: string;
  description?: string;
  default?: unknown;
  enum?: string[];
  enumLabels?: Record<string, string>;
  advanced?: boolean;
  widget?: 'column' | 'columns' | 'dataset';
  /** widget 'column': what leaving it empty means, when not "the last column". */
  emptyLabel?: string;
  minimum?: number;
  maximum?: number;
  items?: FieldSchema;
}

interface InspectorProps {
  kind: CatalogEntry;
  nodeId: string;
  params: Record<string, unknown>;
  columns: ColumnSchema[] | undefined;
  problems: NodeProblem[];
  onChange(params: Record<string, unknown>): void;
  forecast?: { willRun: boolean; reason: string };
  onClearCache(): void;
}

/** The inspector form, generated from the node's params JSON Schema (the zod schema is the one source). */
export function Inspector({ kind, nodeId, params, columns, problems, onChange, forecast, onClearCache }: InspectorProps) {
  const properties = (kind.paramsSchema.properties ?? {}) as Record<string, FieldSchema>;
  const entries = Object.entries(properties);
  const basic = entries.filter(([, f]) => !f.advanced);
  const advanced = entries.filter(([, f]) => f.advanced);
  const set = (key: string, value: unknown) => onChange({ ...params, [key]: value });
  const field = ([key, schema]: [string, FieldSchema]) => (
    <Field
      key={`${nodeId}-${key}`}
      name={key}
      schema={schema}
      value={params[key] ?? schema.default}
      columns={columns}
      problems={problems.filter((p) => p.field === key || p.field?.startsWith(`${key}.`))}
      onChange={(v) => set(key, v)}
    />
  );
  const general = problems.filter((p) => !p.field || !(p.field.split('.')[0] in properties));
  return (
    <div className="space-y-3" aria-label="Inspector">
      <div>
        <h2 className="text-base font-semibold">{kind.label}</h2>
        <p className="text-xs text-slate-600">{kind.description}</p>
      </div>
      {general.map((p, i) => (
        <p key={i} className="rounded bg-red-50 p-2 text-xs text-red-800">
          {p.message}
        </p>
      ))}
      {forecast && (
        <div className="flex items-center justify-between gap-2 rounded bg-slate-50 p-2 text-xs text-slate-700" data-testid="inspector-forecast">
          <span>Next run: {forecast.reason}</span>
          {!forecast.willRun && (
            <button className="shrink-0 text-indigo-700 hover:underline" onClick={onClearCache}>
              Forget cached result
            </button>
          )}
        </div>
      )}
      {entries.length === 0 && <p className="text-xs text-slate-500">This step has no settings.</p>}
      {basic.map(field)}
      {advanced.length > 0 && (
        <details className="rounded border border-slate-200 p-2">
          <summary className="cursor-pointer text-xs font-medium text-slate-600">Advanced</summary>
          <div className="mt-2 space-y-3">{advanced.map(field)}</div>
        </details>
      )}
    </div>
  );
}

function Field({
  name,
  schema,
  value,
  columns,
  problems,
  onChange,
}: {
  name: string;
  schema: FieldSchema;
  value: unknown;
  columns: ColumnSchema[] | undefined;
  problems: NodeProblem[];
  onChange(value: unknown): void;
}) {
  const id = `param-${name}`;
  const label = schema.title ?? name;
  const inputClass = `w-full rounded border px-2 py-1 text-sm ${problems.length ? 'border-red-500' : 'border-slate-300'}`;
  let control;
  if (schema.enum) {
    control = (
      <select id={id} className={inputClass} value={String(value ?? '')} onChange={(e) => onChange(e.target.value)}>
        {schema.enum.map((option) => (
          <option key={option} value={option}>
            {schema.enumLabels?.[option] ?? option}
          </option>
        ))}
      </select>
    );
  } else if (schema.type === 'boolean') {
    control = <input id={id} type="checkbox" checked={Boolean(value)} onChange={(e) => onChange(e.target.checked)} />;
  } else if (schema.type === 'number' || schema.type === 'integer') {
    control = <NumberInput id={id} className={inputClass} value={value} onChange={onChange} />;
  } else if (schema.type === 'array' && (schema.items?.type === 'number' || schema.items?.type === 'integer')) {
    control = <NumberListInput id={id} className={inputClass} value={value} onChange={onChange} />;
  } else if (schema.widget === 'dataset') {
    control = <DatasetPicker id={id} className={inputClass} value={String(value ?? '')} onChange={onChange} />;
  } else if (schema.widget === 'column' && columns) {
    const current = String(value ?? '');
    control = (
      <select id={id} className={inputClass} value={current} onChange={(e) => onChange(e.target.value)}>
        <option value="">({schema.emptyLabel ?? `last column: ${columns.at(-1)?.name ?? ''}`})</option>
        {current && !columns.some((c) => c.name === current) && <option value={current}>{current} (not in the table)</option>}
        {columns.map((c) => (
          <option key={c.name} value={c.name}>
            {c.name} ({c.type})
          </option>
        ))}
      </select>
    );
  } else if (schema.widget === 'columns' && columns) {
    const chosen = new Set(Array.isArray(value) ? (value as string[]) : []);
    control = (
      <div className="max-h-40 overflow-y-auto rounded border border-slate-200 p-1 text-xs">
        {columns.map((c) => (
          <label key={c.name} className="flex items-center gap-1">
            <input
              type="checkbox"
              checked={chosen.has(c.name)}
              onChange={(e) => {
                const next = new Set(chosen);
                if (e.target.checked) next.add(c.name);
                else next.delete(c.name);
                onChange([...next]);
              }}
            />
            {c.name} <span className="text-slate-400">({c.type})</span>
          </label>
        ))}
      </div>
    );
  } else {
    control = <input id={id} className={inputClass} value={String(value ?? '')} onChange={(e) => onChange(e.target.value)} />;
  }
  return (
    <div>
      <label htmlFor={id} className="mb-0.5 block text-xs font-medium text-slate-700">
        {label}
      </label>
      {control}
      {schema.description && <p className="mt-0.5 text-[11px] text-slate-500">{schema.description}</p>}
      {problems.map((p, i) => (
        <p key={i} className="mt-0.5 text-[11px] text-red-700" data-testid={`field-error-${name}`}>
          {p.message}
        </p>
      ))}
    </div>
  );
}

/** Keeps what the user typed; stores a number when it is one, else the text (compile then names the field). */
function NumberInput({ id, className, value, onChange }: { id: string; className: string; value: unknown; onChange(v: unknown): void }) {
  const [text, setText] = useState(value === undefined ? '' : String(value));
  useEffect(() => {
    setText((current) => (Number(current) === value ? current : value === undefined ? '' : String(value)));
  }, [value]);
  return (
    <input
      id={id}
      className={className}
      inputMode="decimal"
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const trimmed = e.target.value.trim();
        const n = Number(trimmed);
        onChange(trimmed !== '' && Number.isFinite(n) ? n : e.target.value);
      }}
    />
  );
}

/** Numbers separated by commas; a part that is not a number is kept as text so compile names the field. */
function NumberListInput({ id, className, value, onChange }: { id: string; className: string; value: unknown; onChange(v: unknown): void }) {
  const [text, setText] = useState(Array.isArray(value) ? value.join(', ') : String(value ?? ''));
  return (
    <input
      id={id}
      className={className}
      value={text}
      placeholder="e.g. 0.001, 0.01, 0.1"
      onChange={(e) => {
        setText(e.target.value);
        const items = e.target.value.split(',').map((part) => part.trim()).filter(Boolean);
        onChange(items.map((item) => (Number.isFinite(Number(item)) ? Number(item) : item)));
      }}
    />
  );
}

/** Uploaded datasets by name; the graph stores the dataset's content id. */
function DatasetPicker({ id, className, value, onChange }: { id: string; className: string; value: string; onChange(v: unknown): void }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.datasets.list.queryOptions());
  const datasets = list.data?.datasets ?? [];
  return (
    <select id={id} className={className} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{datasets.length ? '(choose a dataset)' : '(no uploads yet: see Datasets)'}</option>
      {value && !datasets.some((d) => d.id === value) && <option value={value}>missing dataset {value.slice(0, 8)}…</option>}
      {datasets.map((d) => (
        <option key={d.id} value={d.id}>
          {d.name} ({d.rowCount.toLocaleString()} rows)
        </option>
      ))}
    </select>
  );
}
