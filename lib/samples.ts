/** The sample datasets shipped with Pipeloom (files under samples/datasets, attribution in its README). */
export const SAMPLE_DATASETS = [
  { id: 'iris', file: 'iris.csv', label: 'Iris flowers', target: 'species', description: '150 flowers, 4 measurements, 3 species.' },
  { id: 'wine', file: 'wine.csv', label: 'Wine cultivars', target: 'cultivar', description: '178 wines, 13 chemical measurements, 3 cultivars.' },
  { id: 'breast_cancer', file: 'breast_cancer.csv', label: 'Breast cancer (diagnostic)', target: 'diagnosis', description: '569 tumour samples, 30 measurements, benign or malignant.' },
  { id: 'diabetes', file: 'diabetes.csv', label: 'Diabetes progression', target: 'disease_progression', description: '442 patients, 10 measurements, a disease-progression score (regression).' },
  { id: 'digits_8x8', file: 'digits_8x8.csv', label: 'Handwritten digits 8x8', target: 'digit', description: '1,797 images of 8x8 grey pixels (0..16), digits 0–9.' },
  { id: 'seattle_weather', file: 'seattle_weather.csv', label: 'Seattle weather', target: 'weather', description: '1,461 days of weather: precipitation, temperatures, wind, weather type.' },
  { id: 'support_tickets', file: 'support_tickets.csv', label: 'Support tickets', target: 'category', description: '2,400 support tickets with channel, text, priority and category.' },
  { id: 'churn', file: 'churn.csv', label: 'Customer churn (synthetic)', target: 'churned', description: '2,000 subscription customers: plan, contract, tenure, fees, support calls; about one in ten left (churned).' },
] as const;

export type SampleDatasetId = (typeof SAMPLE_DATASETS)[number]['id'];
export const SAMPLE_DATASET_IDS = SAMPLE_DATASETS.map((d) => d.id) as [SampleDatasetId, ...SampleDatasetId[]];
