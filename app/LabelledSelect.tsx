'use client';

/** A select with its label above it, its choices as [value, words] pairs. */
export function LabelledSelect<T extends string>({ label, value, choices, onChange }: { label: string; value: T; choices: readonly (readonly [T, string])[]; onChange(value: NoInfer<T>): void }) {
  return (
    <label className="flex flex-col gap-1">
      <span className="text-xs font-medium text-slate-700">{label}</span>
      <select className="rounded border border-slate-300 px-2 py-2" value={value} onChange={(e) => onChange(e.target.value as T)}>
        {choices.map(([v, words]) => (
          <option key={v} value={v}>
            {words}
          </option>
        ))}
      </select>
    </label>
  );
}
