/**
 * Writes samples/datasets/churn.csv: a synthetic table of subscription customers, about one in ten
 * of whom leave (churned = yes). Made up from scratch (no real customer behind any row), CC0.
 * The same seed writes the same file: `node --import tsx samples/generate/churn.ts`.
 *
 * Churn grows with a month-to-month contract, support calls, a recent price rise and a short
 * tenure, and falls with autopay and more products; the rest is noise, so no column gives it away.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRng } from '../../lib/rng';

const ROWS = 2000;
const BASE_FEE: Record<string, number> = { basic: 19, standard: 39, premium: 69 };
const rng = createRng(20261207);

const pick = <T>(items: readonly T[], weights: readonly number[]): T => {
  let r = rng() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < items.length; i++) if ((r -= weights[i]) < 0) return items[i];
  return items[items.length - 1];
};
/** A standard normal draw (Box–Muller). */
const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
const poisson = (mean: number) => {
  let k = 0;
  for (let p = rng(), limit = Math.exp(-mean); p > limit; p *= rng()) k++;
  return k;
};
const round = (value: number, digits: number) => Number(value.toFixed(digits));

const lines = ['customer_id,plan,contract,tenure_months,monthly_fee,products,support_calls,autopay,price_increase,region,churned'];
for (let i = 0; i < ROWS; i++) {
  const plan = pick(['basic', 'standard', 'premium'], [5, 3, 2]);
  const contract = pick(['month-to-month', 'one-year', 'two-year'], [5, 3, 2]);
  const tenure = Math.max(1, Math.min(72, Math.round(contract === 'month-to-month' ? 4 + 14 * -Math.log(1 - rng()) : 12 + 40 * rng())));
  const fee = round(BASE_FEE[plan] * (1 + 0.08 * normal()), 2);
  const products = 1 + poisson(plan === 'premium' ? 1.4 : 0.6);
  const calls = poisson(1.1);
  const autopay = rng() < 0.55 ? 'yes' : 'no';
  const priceIncrease = rng() < 0.3 ? 'yes' : 'no';
  const region = pick(['north', 'south', 'east', 'west'], [1, 1, 1, 1]);
  const score =
    -3.1 +
    (contract === 'month-to-month' ? 1.5 : contract === 'one-year' ? 0.2 : -1) +
    0.45 * calls +
    (priceIncrease === 'yes' ? 0.9 : 0) -
    0.03 * tenure +
    (autopay === 'yes' ? -0.6 : 0) -
    0.35 * (products - 1) +
    0.01 * (fee - 40) +
    0.5 * normal();
  const churned = rng() < 1 / (1 + Math.exp(-score)) ? 'yes' : 'no';
  lines.push([`C${String(10000 + i)}`, plan, contract, tenure, fee, products, calls, autopay, priceIncrease, region, churned].join(','));
}

const file = path.join(import.meta.dirname, '..', 'datasets', 'churn.csv');
writeFileSync(file, lines.join('\n') + '\n');
const churned = lines.filter((l) => l.endsWith(',yes')).length;
process.stdout.write(`${file}: ${ROWS} rows, ${churned} churned (${((100 * churned) / ROWS).toFixed(1)}%)\n`);
