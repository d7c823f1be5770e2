'use client';
import type { CrossValidationSummary, EvaluationMetrics } from '../../lib/metrics';
import { isEvaluation } from '../../lib/model-headline';
import { LineChart } from './charts';
import { EvaluationResults } from './EvaluationResults';
import { CrossValidationResults, FeatureImportance } from './ModelSummaries';
import type { RunView } from './run-state';

export function RunPanel({ run, labelOf }: { run: RunView | null; labelOf(nodeId: string): string }) {
  if (!run) return <p className="text-sm text-slate-500">Press Run to train the pipeline. Results appear here.</p>;
  const curves = Object.entries(run.curves);
  const evaluations = Object.entries(run.steps).filter(([, s]) => isEvaluation(s.metrics));
  const published = Object.entries(run.steps).filter(([, s]) => typeof s.metrics?.modelName === 'string');
  const importances = Object.entries(run.steps).filter(([, s]) => Array.isArray(s.metrics?.featureImportance));
  const crossValidations = Object.entries(run.steps).filter(([, s]) => s.metrics?.crossValidation);
  return (
    <div className="space-y-4 text-sm" data-testid="run-panel">
      <p>
        Run <span className="font-medium" data-testid="run-status">{run.status}</span>
        {run.backend && <span className="text-slate-500"> · TensorFlow.js backend: {run.backend}</span>}
      </p>
      {run.error && <p className="rounded bg-amber-50 p-2 text-xs text-amber-900">{run.error}</p>}
      {Object.entries(run.steps)
        .filter(([, s]) => s.status === 'failed')
        .map(([nodeId, s]) => (
          <div key={nodeId} className="space-y-1 rounded bg-red-50 p-2 text-xs text-red-900" data-testid="step-failure">
            <p>
              <span className="font-semibold">{labelOf(nodeId)} failed:</span> {s.error ?? 'no reason was recorded.'}
            </p>
            <p>The steps after it were skipped; fix the problem and run again (finished steps are reused).</p>
          </div>
        ))}
      {curves.map(([nodeId, points]) => (
        <section key={nodeId} className="space-y-2">
          <h3 className="font-semibold">{labelOf(nodeId)}: learning curves</h3>
          <p className="text-xs text-slate-500">The loss should fall as the model learns; if validation loss rises while training loss falls, the model is memorising.</p>
          <LineChart title="Loss" points={points} series={['loss', 'val_loss']} />
          <LineChart title="Accuracy" points={points} series={['accuracy', 'val_accuracy']} />
        </section>
      ))}
      {evaluations.map(([nodeId, s]) => (
        <section key={nodeId} className="space-y-2" data-testid="evaluation">
          <h3 className="font-semibold">{labelOf(nodeId)}: results on held-out test rows</h3>
          <EvaluationResults metrics={s.metrics as unknown as EvaluationMetrics} />
        </section>
      ))}
      {importances.map(([nodeId, s]) => (
        <section key={nodeId} className="space-y-2">
          <h3 className="font-semibold">{labelOf(nodeId)}: which columns matter</h3>
          <FeatureImportance importance={s.metrics!.featureImportance as { name: string; importance: number }[]} />
        </section>
      ))}
      {crossValidations.map(([nodeId, s]) => (
        <section key={nodeId} className="space-y-2">
          <h3 className="font-semibold">{labelOf(nodeId)}: scores over the folds</h3>
          <CrossValidationResults summary={s.metrics!.crossValidation as CrossValidationSummary} />
        </section>
      ))}
      {published.map(([nodeId, s]) => (
        <section key={nodeId} className="space-y-1">
          <h3 className="font-semibold">
            {s.metrics!.unchanged ? 'Already published (nothing new):' : 'Published'} “{String(s.metrics!.modelName)}” version {String(s.metrics!.version)}
          </h3>
          <p className="text-xs text-slate-600">
            Its versions, a try-it form and roll back: the <a className="text-indigo-700 hover:underline" href={`/deployments#${String(s.metrics!.modelName)}`}>Deployments</a> page.
          </p>
          <p className="text-xs text-slate-600">Ask it for predictions from any program:</p>
          <pre className="overflow-x-auto rounded bg-slate-900 p-2 text-[11px] text-slate-100">
            {`curl -H 'Content-Type: application/json' -X POST \\\n  ${typeof window === 'undefined' ? '' : window.location.origin}/api/v1/models/${String(s.metrics!.modelName)}/predict \\\n  -d '{"rows":[{...}]}'`}
          </pre>
          <p className="text-xs text-slate-600">
            GET <code>/api/v1/models/{String(s.metrics!.modelName)}</code> lists the columns to send.
          </p>
        </section>
      ))}
      {run.logs.length > 0 && (
        <details>
          <summary className="cursor-pointer font-semibold">Log ({run.logs.length})</summary>
          <ul className="mt-1 space-y-0.5 text-xs text-slate-700" data-testid="run-log">
            {run.logs.map((l, i) => (
              <li key={i}>
                <span className="text-slate-400">{new Date(l.at).toLocaleTimeString()}</span> {l.nodeId ? `[${labelOf(l.nodeId)}] ` : ''}
                {l.message}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
