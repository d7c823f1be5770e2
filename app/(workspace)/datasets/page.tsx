'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter, useSearchParams } from 'next/navigation';
import { Suspense, useRef, useState } from 'react';
import { mayOffer, useWorkspaceRole } from '../../account/role';
import { useTRPC } from '../../trpc';
import { DatasetDetail } from './DatasetDetail';

const formatBytes = (n: number) => (n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);

interface UploadProblem {
  line?: number;
  file?: string;
  message: string;
}

/** How the chosen file will be read (the server decides the same way, by extension). */
type FileKind = 'table' | 'xlsx' | 'images';
const kindOf = (name: string): FileKind => (/\.xls[xm]?$/i.test(name) ? 'xlsx' : /\.zip$/i.test(name) ? 'images' : 'table');

function DatasetsPage() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const selected = useSearchParams().get('id');
  const role = useWorkspaceRole();
  const list = useQuery(trpc.datasets.list.queryOptions());
  const remove = useMutation(
    trpc.datasets.delete.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.datasets.list.queryKey() });
        router.push('/datasets');
      },
    }),
  );
  const file = useRef<HTMLInputElement>(null);
  const [options, setOptions] = useState({ delimiter: 'auto', decimal: 'auto', header: true, badRows: 'skip' });
  const [kind, setKind] = useState<FileKind>('table');
  const [sheet, setSheet] = useState('');
  const [image, setImage] = useState({ size: 28, colour: 'grey', fit: 'cover' });
  const [uploading, setUploading] = useState(false);
  const [message, setMessage] = useState<{ kind: 'error' | 'ok'; text: string; problems?: UploadProblem[] } | null>(null);

  async function upload() {
    const chosen = file.current?.files?.[0];
    if (!chosen) return setMessage({ kind: 'error', text: 'Choose a CSV, TSV, JSON or Excel file, or a ZIP of images, first.' });
    setUploading(true);
    setMessage(null);
    const chosenKind = kindOf(chosen.name);
    // Only the options that apply to the file's format (they are part of the dataset's identity).
    const query = new URLSearchParams(
      chosenKind === 'images'
        ? { filename: chosen.name, imageSize: String(image.size), colour: image.colour, fit: image.fit }
        : chosenKind === 'xlsx'
          ? { filename: chosen.name, header: String(options.header), badRows: options.badRows, ...(sheet.trim() ? { sheet: sheet.trim() } : {}) }
          : {
              filename: chosen.name,
              delimiter: options.delimiter === '\t' ? 'tab' : options.delimiter,
              decimal: options.decimal,
              header: String(options.header),
              badRows: options.badRows,
            },
    );
    try {
      const response = await fetch(`/api/v1/datasets?${query}`, { method: 'POST', body: chosen });
      const body = await response.json();
      if (!response.ok) {
        setMessage({ kind: 'error', text: body.error?.message ?? `Upload failed (${response.status}).` });
        return;
      }
      const report = body.dataset.report as { skippedRows: number; problems: UploadProblem[]; images?: { classes: unknown[] } };
      const read = report.images
        ? `${body.dataset.rowCount.toLocaleString()} images in ${report.images.classes.length} classes${report.skippedRows ? `, ${report.skippedRows} files skipped` : ''}`
        : `${body.dataset.rowCount.toLocaleString()} rows${report.skippedRows ? `, ${report.skippedRows} bad rows skipped` : ''}`;
      setMessage({
        kind: 'ok',
        text: body.existing ? `This file was uploaded before: showing "${body.dataset.name}".` : `Uploaded "${body.dataset.name}": ${read}.`,
        problems: report.problems,
      });
      await queryClient.invalidateQueries({ queryKey: trpc.datasets.list.queryKey() });
      router.push(`/datasets?id=${body.dataset.id}`);
    } catch (error) {
      setMessage({ kind: 'error', text: `Upload failed: ${(error as Error).message}` });
    } finally {
      setUploading(false);
      if (file.current) file.current.value = '';
    }
  }

  return (
    <div className="mx-auto max-w-6xl p-8">
      <h1 className="text-2xl font-semibold">Datasets</h1>
      <p className="mt-1 text-sm text-slate-600">
        Upload a CSV or TSV file (or JSON: an array of records, or an Excel .xlsx sheet), or a ZIP of images in one folder per class,
        check what Pipeloom read from it, then use it in a pipeline with the <b>Your dataset</b> step.
      </p>
      {role === 'viewer' && <p className="mt-4 text-sm text-slate-600">As a viewer of this workspace you can look at its datasets (the first 1,000 rows of each); uploading needs the editor role.</p>}
      {mayOffer(role, 'edit') && (
        <section className="mt-6 rounded border border-slate-200 bg-white p-4" aria-label="Upload">
          <div className="flex flex-wrap items-end gap-3 text-sm">
            <label className="flex flex-col gap-1">
              <span className="text-xs font-medium text-slate-700">File</span>
              <input
                ref={file}
                type="file"
                accept=".csv,.tsv,.txt,.json,.xlsx,.xlsm,.zip,text/csv,text/tab-separated-values,application/json,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/zip"
                aria-label="Dataset file"
                onChange={(e) => setKind(kindOf(e.target.files?.[0]?.name ?? ''))}
              />
            </label>
            {kind === 'images' && (
              <>
                <label className="flex flex-col gap-1">
                  <span className="text-xs font-medium text-slate-700">Image size (pixels)</span>
                  <input
                    type="number"
                    min={2}
                    max={64}
                    className="w-24 rounded border border-slate-300 px-2 py-1"
                    value={image.size}
                    onChange={(e) => setImage({ ...image, size: Number(e.target.value) })}
                    aria-label="Image size"
                  />
                </label>
                <label className="flex flex-col gap-1">
                  <span className="text-xs font-medium text-slate-700">Colour</span>
                  <select className="rounded border border-slate-300 px-2 py-1" value={image.colour} onChange={(e) => setImage({ ...image, colour: e.target.value })} aria-label="Colour">
                    <option value="grey">grey (1 channel)</option>
                    <option value="rgb">colour (red, green, blue)</option>
                  </select>
                </label>
                <label className="flex flex-col gap-1">
                  <span className="text-xs font-medium text-slate-700">Fit to the square</span>
                  <select className="rounded border border-slate-300 px-2 py-1" value={image.fit} onChange={(e) => setImage({ ...image, fit: e.target.value })} aria-label="Fit">
                    <option value="cover">fill it, cropping the edges</option>
                    <option value="contain">whole image, black bars</option>
                  </select>
                </label>
              </>
            )}
            {kind === 'xlsx' && (
              <label className="flex flex-col gap-1">
                <span className="text-xs font-medium text-slate-700">Sheet</span>
                <input className="w-40 rounded border border-slate-300 px-2 py-1" placeholder="first sheet" value={sheet} onChange={(e) => setSheet(e.target.value)} aria-label="Sheet" />
              </label>
            )}
            {kind === 'table' && (
              <>
                <label className="flex flex-col gap-1">
                  <span className="text-xs font-medium text-slate-700">Separator</span>
                  <select className="rounded border border-slate-300 px-2 py-1" value={options.delimiter} onChange={(e) => setOptions({ ...options, delimiter: e.target.value })}>
                    <option value="auto">detect</option>
                    <option value=",">comma ,</option>
                    <option value=";">semicolon ;</option>
                    <option value={'\t'}>tab</option>
                    <option value="|">pipe |</option>
                  </select>
                </label>
                <label className="flex flex-col gap-1">
                  <span className="text-xs font-medium text-slate-700">Decimal mark</span>
                  <select className="rounded border border-slate-300 px-2 py-1" value={options.decimal} onChange={(e) => setOptions({ ...options, decimal: e.target.value })}>
                    <option value="auto">detect</option>
                    <option value=".">point 1.5</option>
                    <option value=",">comma 1,5</option>
                  </select>
                </label>
              </>
            )}
            {kind !== 'images' && (
              <>
                <label className="flex items-center gap-1 pb-1">
                  <input type="checkbox" checked={options.header} onChange={(e) => setOptions({ ...options, header: e.target.checked })} />
                  <span>First row has the column names</span>
                </label>
                <label className="flex flex-col gap-1">
                  <span className="text-xs font-medium text-slate-700">Broken rows</span>
                  <select className="rounded border border-slate-300 px-2 py-1" value={options.badRows} onChange={(e) => setOptions({ ...options, badRows: e.target.value })}>
                    <option value="skip">skip them and list them</option>
                    <option value="refuse">refuse the file</option>
                  </select>
                </label>
              </>
            )}
            <button className="rounded bg-indigo-600 px-4 py-1.5 font-medium text-white disabled:opacity-50" disabled={uploading} onClick={() => void upload()}>
              {uploading ? 'Uploading…' : 'Upload'}
            </button>
          </div>
          {list.data && <p className="mt-2 text-xs text-slate-500">Up to {formatBytes(list.data.maxUploadBytes)} per file.</p>}
          {message && (
            <div className={`mt-3 rounded p-2 text-sm ${message.kind === 'error' ? 'bg-red-50 text-red-800' : 'bg-emerald-50 text-emerald-900'}`} role="status" data-testid="upload-message">
              <p>{message.text}</p>
              {message.problems && message.problems.length > 0 && (
                <ul className="mt-1 list-disc pl-5 text-xs" data-testid="upload-problems">
                  {message.problems.slice(0, 20).map((p, i) => (
                    <li key={i}>{p.message}</li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </section>
      )}
      <div className="mt-6 grid grid-cols-[18rem_1fr] gap-6">
        <aside>
          <h2 className="mb-2 text-sm font-semibold">
            Stored {list.data ? `(${formatBytes(list.data.usedBytes)} on disk)` : ''}
          </h2>
          <ul className="divide-y divide-slate-200 rounded border border-slate-200 bg-white text-sm" data-testid="dataset-list">
            {list.data?.datasets.length === 0 && <li className="p-3 text-slate-500">No uploads yet.</li>}
            {list.data?.datasets.map((d) => (
              <li key={d.id}>
                <button className={`w-full p-3 text-left hover:bg-slate-50 ${selected === d.id ? 'bg-indigo-50' : ''}`} onClick={() => router.push(`/datasets?id=${d.id}`)}>
                  <div className="font-medium">{d.name}</div>
                  <div className="text-xs text-slate-500">
                    {d.rowCount.toLocaleString()} rows · {d.columnCount} columns · {formatBytes(d.storedBytes)}
                  </div>
                </button>
              </li>
            ))}
          </ul>
        </aside>
        {/* min-w-0: the row preview's wide content scrolls inside it, instead of widening the page past the window. */}
        <div className="min-w-0">
          {selected ? (
            <DatasetDetail
              id={selected}
              onDelete={mayOffer(role, 'delete') ? () => remove.mutate({ id: selected }) : undefined}
              mayDownload={mayOffer(role, 'download')}
            />
          ) : (
            <p className="text-sm text-slate-500">Choose a dataset to see its columns and rows.</p>
          )}
        </div>
      </div>
    </div>
  );
}

export default function Page() {
  return (
    <Suspense>
      <DatasetsPage />
    </Suspense>
  );
}
