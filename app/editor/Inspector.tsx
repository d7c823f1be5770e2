'use client';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { ColumnSchema } from '../../lib/table';
import type { CatalogEntry, ParamMeta } from '../../lib/catalog';
import { useTRPC } from '../trpc';
import { useEditor, type NodeProblem } from './context';

/** The subset of JSON Schema that z.toJSONSchema emits for node params, with the metadata our `.meta()` calls add. */
export interface FieldSchema extends ParamMeta {
  type?: string;
  default?: unknown;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  items?: FieldSchema;
  /** type 'object' (an item of a list): its fields. */
  properties?: Record<string, FieldSchema>;
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
  /** A viewer's inspector: the settings shown, every control disabled. */
  readOnly?: boolean;
}

/** The inspector form, generated from the node's params JSON Schema (the zod schema is the one source). */
export function Inspector({ kind, nodeId, params, columns, problems, onChange, forecast, onClearCache, readOnly = false }: InspectorProps) {
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
      <fieldset disabled={readOnly} className="min-w-0 space-y-3">
        {forecast && (
          <div className="flex items-center justify-between gap-2 rounded bg-slate-50 p-2 text-xs text-slate-700" data-testid="inspector-forecast">
            <span>Next run: {forecast.reason}</span>
            {!forecast.willRun && !readOnly && (
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
      </fieldset>
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
  siblings,
}: {
  name: string;
  schema: FieldSchema;
  value: unknown;
  columns: ColumnSchema[] | undefined;
  problems: NodeProblem[];
  onChange(value: unknown): void;
  /** The other fields of the object this field is part of (a list item). */
  siblings?: Record<string, unknown>;
}) {
  const id = `param-${name}`;
  const label = schema.title ?? name;
  const inputClass = `w-full rounded border px-2 py-1 text-sm ${problems.length ? 'border-red-500' : 'border-slate-300'}`;
  let control;
  let ownProblems = problems;
  if (schema.enum) {
    const current = String(value ?? '');
    const choices = enumChoices(schema, columns, siblings);
    control = (
      <select id={id} className={inputClass} value={current} onChange={(e) => onChange(e.target.value)}>
        {!choices.some(([option]) => option === current) && <option value={current}>{schema.enumLabels?.[current] ?? current} (does not fit)</option>}
        {choices.map(([option, words]) => (
          <option key={option} value={option}>
            {words}
          </option>
        ))}
      </select>
    );
  } else if (schema.type === 'array' && schema.items?.type === 'object' && schema.items.properties) {
    // Problems about one item's field are shown beside that field.
    ownProblems = problems.filter((p) => !p.field?.startsWith(`${name}.`));
    control = <ObjectList name={name} schema={schema} items={schema.items} value={value} columns={columns} problems={problems} onChange={onChange} />;
  } else if (schema.type === 'boolean') {
    control = <input id={id} type="checkbox" checked={Boolean(value)} onChange={(e) => onChange(e.target.checked)} />;
  } else if (schema.type === 'number' || schema.type === 'integer') {
    control = <NumberInput id={id} className={inputClass} value={value} onChange={onChange} />;
  } else if (schema.type === 'array' && (schema.items?.type === 'number' || schema.items?.type === 'integer')) {
    control = <NumberListInput id={id} className={inputClass} value={value} onChange={onChange} />;
  } else if (schema.widget === 'dataset') {
    control = <DatasetPicker id={id} className={inputClass} value={String(value ?? '')} onChange={onChange} />;
  } else if (schema.widget === 'model') {
    control = <SavedModelPicker id={id} className={inputClass} value={String(value ?? '')} onChange={onChange} />;
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
      {ownProblems.map((p, i) => (
        <p key={i} className="mt-0.5 text-[11px] text-red-700" data-testid={`field-error-${name}`}>
          {p.message}
        </p>
      ))}
    </div>
  );
}

/** An enum's choices: those fitting the type of the column a sibling names (optionsByColumnType), else every value. */
function enumChoices(schema: FieldSchema, columns: ColumnSchema[] | undefined, siblings: Record<string, unknown> | undefined): [string, string][] {
  const byType = schema.optionsByColumnType;
  const columnType = byType && columns?.find((c) => c.name === siblings?.[byType.field])?.type;
  const fitting = columnType ? byType.options[columnType] : undefined;
  if (fitting) return Object.entries(fitting);
  return (schema.enum ?? []).map((option) => [option, schema.enumLabels?.[option] ?? option]);
}

function isVisible(schema: FieldSchema, item: Record<string, unknown>): boolean {
  const rule = schema.visibleWhen;
  if (!rule) return true;
  const value = String(item[rule.field] ?? '');
  return (!rule.in || rule.in.includes(value)) && !rule.notIn?.includes(value);
}

/** The defaults of an object's fields (a new list item). */
function objectDefaults(schema: FieldSchema): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schema.properties ?? {}).flatMap(([key, field]) => (field.default === undefined ? [] : [[key, field.default]])));
}

/** A list item with one field changed; an enum that depends on that field (an operator on the column's type) falls back to its first fitting choice. */
export function withField(items: FieldSchema, columns: ColumnSchema[] | undefined, item: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const next = { ...item, [key]: value };
  for (const [other, field] of Object.entries(items.properties ?? {})) {
    if (field.optionsByColumnType?.field !== key) continue;
    const choices = enumChoices(field, columns, next);
    if (!choices.some(([option]) => option === next[other])) next[other] = choices[0]?.[0];
  }
  return next;
}

/**
 * A list of objects (Filter rows' conditions): each item a small form of its fields, which can be
 * removed; an add button appends one with the defaults. When a field changes, an enum that depends
 * on it (an operator on the column's type) falls back to its first fitting choice.
 */
function ObjectList({
  name,
  schema,
  items,
  value,
  columns,
  problems,
  onChange,
}: {
  name: string;
  schema: FieldSchema;
  items: FieldSchema;
  value: unknown;
  columns: ColumnSchema[] | undefined;
  problems: NodeProblem[];
  onChange(value: unknown): void;
}) {
  const list = Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
  const properties = Object.entries(items.properties ?? {});
  const itemLabel = schema.itemLabel ?? 'Item';
  const update = (index: number, key: string, fieldValue: unknown) => onChange(list.map((item, i) => (i === index ? withField(items, columns, item, key, fieldValue) : item)));
  return (
    <div className="space-y-2">
      {list.map((item, i) => {
        const prefix = `${name}.${i}`;
        const shown = properties.filter(([, field]) => isVisible(field, item));
        const mine = problems.filter((p) => p.field === prefix || p.field?.startsWith(`${prefix}.`));
        const unplaced = mine.filter((p) => !shown.some(([key]) => p.field === `${prefix}.${key}`));
        return (
          <fieldset key={i} className="space-y-2 rounded border border-slate-200 p-2" data-testid={`${name}-item-${i}`}>
            <div className="flex items-center justify-between">
              <legend className="text-xs font-medium text-slate-600">
                {itemLabel} {i + 1}
              </legend>
              <button
                type="button"
                className="text-xs text-slate-500 hover:text-red-700"
                aria-label={`Remove ${itemLabel.toLowerCase()} ${i + 1}`}
                onClick={() => onChange(list.filter((_, j) => j !== i))}
              >
                Remove
              </button>
            </div>
            {shown.map(([key, field]) => (
              <Field
                key={key}
                name={`${prefix}.${key}`}
                schema={field}
                value={item[key] ?? field.default}
                columns={columns}
                siblings={item}
                problems={mine.filter((p) => p.field === `${prefix}.${key}`)}
                onChange={(v) => update(i, key, v)}
              />
            ))}
            {unplaced.map((p, j) => (
              <p key={j} className="text-[11px] text-red-700">
                {p.message}
              </p>
            ))}
          </fieldset>
        );
      })}
      <button type="button" className="text-xs text-indigo-700 hover:underline" onClick={() => onChange([...list, objectDefaults(items)])}>
        + {schema.addLabel ?? `Add ${itemLabel.toLowerCase()}`}
      </button>
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
  const { graphId } = useEditor();
  const list = useQuery(trpc.datasets.list.queryOptions({ forPipeline: graphId }));
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

/** Saved models (the Models page); the graph stores the model's id. Only networks can be started from. */
function SavedModelPicker({ id, className, value, onChange }: { id: string; className: string; value: string; onChange(v: unknown): void }) {
  const trpc = useTRPC();
  const { graphId } = useEditor();
  const list = useQuery(trpc.models.list.queryOptions({ forPipeline: graphId }));
  const models = list.data ?? [];
  return (
    <select id={id} className={className} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{models.length ? '(choose a saved model)' : '(none yet: run a pipeline with Train)'}</option>
      {value && !models.some((m) => m.id === value) && <option value={value}>missing model {value.slice(0, 8)}…</option>}
      {models.map((m) => (
        <option key={m.id} value={m.id} disabled={m.trainer !== 'gradient'}>
          {m.family} → {m.target} · {m.graphName} · {new Date(m.createdAt).toLocaleDateString()}
          {m.trainer !== 'gradient' ? ' (not a neural network)' : ''}
        </option>
      ))}
    </select>
  );
}
