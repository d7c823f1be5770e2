import { Suspense } from 'react';
import { RunsPage } from '../../../../runs/RunsPage';

export default async function GraphRunsPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <Suspense fallback={<p className="p-8 text-slate-500">Loading the runs…</p>}>
      <RunsPage graphId={id} />
    </Suspense>
  );
}
