'use client';
import type { ReactNode } from 'react';
import type { ClassCurves, ClassificationMetrics, ClusteringMetrics, EvaluationMetrics, ProjectionMetrics, RegressionMetrics } from '../../lib/metrics';
import { finiteMean } from './chart-math';
import { BarChart, ConfusionMatrix, CrossTab, CurveChart, ElbowChart, ResidualPlot, ScatterMap, VarianceChart, type CurveSeries } from './charts';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
/** An area stored as JSON: NaN (a class with no positive test row) arrives as null. */
const area = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const fixed3 = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));

/** Everything an Evaluate step measured, by what the model does. */
export function EvaluationResults({ metrics }: { metrics: EvaluationMetrics }) {
  switch (metrics.task) {
    case 'classification':
      return <ClassificationResults m={metrics} />;
    case 'regression':
      return <RegressionResults m={metrics} />;
    case 'clustering':
      return <ClusteringResults m={metrics} />;
    case 'projection':
      return <ProjectionResults m={metrics} />;
  }
}

/** The plain-words cautions about these numbers, in a box that is hard to miss. */
function Warnings({ warnings }: { warnings: string[] | undefined }) {
  if (!warnings?.length) return null;
  return (
    <div role="note" className="rounded border border-amber-300 bg-amber-50 p-2 text-xs text-amber-900" data-testid="evaluation-warnings">
      <p className="font-semibold">Before you trust these numbers</p>
      <ul className="mt-1 list-disc space-y-0.5 pl-4">
        {warnings.map((w) => (
          <li key={w}>{w}</li>
        ))}
      </ul>
    </div>
  );
}

interface MetricRow {
  term: string;
  value: ReactNode;
  testId?: string;
  strong?: boolean;
}

/** Name–value pairs in two columns. */
function MetricList({ rows, testId }: { rows: MetricRow[]; testId?: string }) {
  return (
    <dl className="grid grid-cols-2 gap-x-3 gap-y-1 text-xs" data-testid={testId}>
      {rows.map((r) => (
        <div key={r.term} className="contents">
          <dt>{r.term}</dt>
          <dd className={r.strong ? 'font-semibold' : undefined} data-testid={r.testId}>
            {r.value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

const Note = ({ children }: { children: ReactNode }) => <p className="text-xs text-slate-600">{children}</p>;

function curveSeries(curves: ClassCurves[], which: 'roc' | 'pr'): CurveSeries[] {
  return curves.map((c) => ({ label: c.label, points: c[which].points, area: area(c[which].area) }));
}

function ClassificationResults({ m }: { m: ClassificationMetrics }) {
  const curves = m.curves ?? [];
  const binary = curves.length === 1;
  // One-vs-rest: the macro mean over the classes that had positive and negative test rows.
  const auc = binary ? area(curves[0].roc.area) : finiteMean(curves.map((c) => c.roc.area));
  const ap = binary ? area(curves[0].pr.area) : finiteMean(curves.map((c) => c.pr.area));
  const macro = binary ? '' : ' (macro)';
  const ranking: MetricRow[] = curves.length
    ? [
        { term: `ROC AUC${macro}`, value: fixed3(auc), testId: 'metric-auc' },
        { term: `Average precision${macro}`, value: fixed3(ap), testId: 'metric-average-precision' },
      ]
    : [];
  return (
    <>
      <Warnings warnings={m.warnings} />
      <MetricList
        testId="classification-metrics"
        rows={[
          { term: 'Accuracy', value: pct(m.accuracy), testId: 'metric-accuracy', strong: true },
          { term: 'Precision (macro)', value: pct(m.macro.precision) },
          { term: 'Recall (macro)', value: pct(m.macro.recall) },
          { term: 'F1 (macro)', value: pct(m.macro.f1) },
          { term: 'F1 (weighted)', value: pct(m.weighted.f1) },
          ...ranking,
          { term: 'Test rows', value: m.testRows, testId: 'metric-test-rows' },
        ]}
      />
      <Note>
        Accuracy is the share of test rows predicted right. A model that always answers {m.baseline.name} would score {pct(m.baseline.accuracy)}.
      </Note>
      <table className="w-full text-xs">
        <thead>
          <tr className="text-left text-slate-500">
            <th>class</th>
            <th>precision</th>
            <th>recall</th>
            <th>F1</th>
            <th>rows</th>
          </tr>
        </thead>
        <tbody>
          {m.perClass.map((c) => (
            <tr key={c.label}>
              <td>{c.label}</td>
              <td>{pct(c.precision)}</td>
              <td>{pct(c.recall)}</td>
              <td>{pct(c.f1)}</td>
              <td>{c.support}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Note>The confusion matrix counts test rows by true class (rows) and predicted class (columns): the diagonal is right.</Note>
      <ConfusionMatrix labels={m.labels} matrix={m.confusion} />
      {curves.length > 0 && (
        <>
          <CurveChart kind="roc" curves={curveSeries(curves, 'roc')} note={binary ? undefined : `The macro AUC, the mean over the classes, is ${fixed3(auc)}.`} />
          <CurveChart kind="pr" curves={curveSeries(curves, 'pr')} note={binary ? undefined : `The macro AP is ${fixed3(ap)}.`} />
        </>
      )}
    </>
  );
}

function RegressionResults({ m }: { m: RegressionMetrics }) {
  const baselines = [m.baseline, ...(m.baselines ?? [])];
  return (
    <>
      <Warnings warnings={m.warnings} />
      <MetricList
        rows={[
          { term: 'Mean absolute error', value: m.mae.toFixed(3), testId: 'metric-mae', strong: true },
          { term: 'Root mean squared error', value: m.rmse.toFixed(3) },
          { term: 'R²', value: m.r2.toFixed(3), testId: 'metric-r2' },
          { term: 'Test rows', value: m.testRows, testId: 'metric-test-rows' },
        ]}
      />
      <Note>
        MAE is the typical size of a miss. R² is the share of the variation explained (1 is perfect, 0 is no better than guessing the mean). Always guessing{' '}
        {m.baseline.name} misses by {m.baseline.mae.toFixed(3)} on average.
      </Note>
      <table className="w-full text-xs" data-testid="regression-baselines">
        <caption className="mb-1 text-left text-slate-600">The model beside simple rules that need no learning: it should miss by less than each.</caption>
        <thead>
          <tr className="text-left text-slate-500">
            <th>answer</th>
            <th>MAE</th>
            <th>RMSE</th>
          </tr>
        </thead>
        <tbody>
          <tr className="font-semibold">
            <td>this model</td>
            <td>{m.mae.toFixed(3)}</td>
            <td>{m.rmse.toFixed(3)}</td>
          </tr>
          {baselines.map((b) => (
            <tr key={b.name}>
              <td>{b.name}</td>
              <td className={b.mae <= m.mae ? 'text-red-700' : undefined}>{b.mae.toFixed(3)}</td>
              <td>{b.rmse.toFixed(3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {m.residuals && m.residuals.length > 0 && <ResidualPlot points={m.residuals} />}
    </>
  );
}

function ClusteringResults({ m }: { m: ClusteringMetrics }) {
  const k = m.clusterSizes.length;
  const scored = m.clusterSizes.filter((size) => size > 0).length >= 2;
  return (
    <>
      <MetricList
        testId="clustering-metrics"
        rows={[
          { term: 'Silhouette', value: scored ? m.silhouette.toFixed(3) : 'n/a', testId: 'metric-silhouette', strong: true },
          { term: 'Inertia', value: m.inertia.toPrecision(4), testId: 'metric-inertia' },
          { term: 'Clusters (k)', value: k },
          { term: 'Test rows', value: m.testRows, testId: 'metric-test-rows' },
        ]}
      />
      <Note>
        {scored
          ? 'Silhouette runs from −1 to 1: near 1 = tight, well-separated groups; near 0 = overlapping groups; below 0 = many rows sit closer to another cluster than to their own.'
          : 'Silhouette needs test rows in at least two clusters, so it could not be measured.'}
        {m.silhouetteSampled && ' (Measured on a random sample of the test rows.)'} Inertia is the total squared distance of the test rows to their cluster centres:
        lower is tighter, but it always falls as k grows, so compare it only between runs with the same k.
      </Note>
      <BarChart
        title="Test rows in each cluster"
        testId="cluster-sizes"
        explanation="How many test rows fell in each cluster: one huge cluster beside tiny ones often means the groups are not natural."
        bars={m.clusterSizes.map((size, i) => ({ label: String(i), value: size }))}
        xLabel="cluster"
        yLabel="test rows"
      />
      {m.elbow.length >= 2 && <ElbowChart points={m.elbow} chosen={k} />}
      {m.crossTab && (
        <>
          <Note>How the clusters line up with the target’s classes (test rows): a cluster that is mostly one class found that class without being told the answers.</Note>
          <CrossTab labels={m.crossTab.labels} counts={m.crossTab.counts} />
        </>
      )}
    </>
  );
}

function ProjectionResults({ m }: { m: ProjectionMetrics }) {
  const kept = m.explainedVarianceRatio.reduce((a, b) => a + b, 0);
  return (
    <>
      <MetricList
        testId="projection-metrics"
        rows={[
          { term: 'Components kept', value: m.explainedVarianceRatio.length },
          { term: 'Variation kept (training rows)', value: pct(kept), testId: 'metric-variance-kept', strong: true },
          { term: 'Variation kept (test rows)', value: pct(m.testExplained), testId: 'metric-test-explained' },
          { term: 'Test rows', value: m.testRows, testId: 'metric-test-rows' },
        ]}
      />
      <Note>
        The components keep this share of how much the rows differ from each other. On test rows they never saw they keep {pct(m.testExplained)}: close to{' '}
        {pct(kept)} means they describe new data as well as the training rows.
      </Note>
      <VarianceChart ratios={m.explainedVarianceRatio} />
      {m.points.length > 0 && (
        <>
          <ScatterMap points={m.points} oneComponent={m.explainedVarianceRatio.length < 2} />
          {m.points.length < m.testRows && <Note>The map shows {m.points.length} of the {m.testRows} test rows, spread evenly.</Note>}
        </>
      )}
    </>
  );
}
