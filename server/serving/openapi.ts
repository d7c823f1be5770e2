import type { CellValue, ColumnSchema } from '../../lib/table';
import type { TrainedModelArtifact } from '../../runtime/artifacts';
import { MAX_PROBLEMS_REPORTED, MAX_ROWS_PER_REQUEST, mayBeMissing, servedModel, type InputContract } from './predict';

/**
 * The OpenAPI 3.1 description of one deployment, made from the input schema of the version that
 * answers: the row it reads (each column's type, whether it may be missing, the categories it
 * learned), what it answers, the errors, the batch route, and an example row that predicts.
 */

type JsonSchema = Record<string, unknown>;

/** A column as JSON Schema 2020-12 (OpenAPI 3.1's dialect): what the predict contract accepts. */
function columnSchema(column: ColumnSchema, contract: InputContract): JsonSchema {
  const missing = mayBeMissing(column, contract);
  const orNull = (type: string) => (missing ? [type, 'null'] : type);
  const note = missing ? ' null, "" or NA: missing (the model fills it in as it did for its training rows).' : '';
  switch (column.type) {
    case 'number':
      return { type: orNull('number'), description: `A number (a numeric string such as "5.1" also reads).${note}` };
    case 'date':
      return { type: orNull('string'), format: 'date-time', description: `A date, like "2024-03-01" or "2024-03-01T12:00Z".${note}` };
    case 'boolean':
      return { type: orNull('boolean'), description: `true or false (the strings yes / no also read).${note}` };
    default: {
      const known = contract.known.get(column.name);
      return {
        type: orNull('string'),
        description: `${column.type === 'text' ? 'Free text' : 'A category'}.${note}${known ? ' Another category than those listed in `examples` is answered, with a warning.' : ''}`,
        ...(known ? { examples: [...known].slice(0, 50) } : {}),
      };
    }
  }
}

/** A row to show and try: the model's own training row when it kept one, else a plain value of each type. */
function exampleRowOf(model: TrainedModelArtifact, columns: readonly ColumnSchema[], contract: InputContract): Record<string, CellValue> {
  const plain = (column: ColumnSchema): CellValue => {
    if (column.type === 'number') return 0;
    if (column.type === 'boolean') return false;
    if (column.type === 'date') return '2024-01-01';
    return [...(contract.known.get(column.name) ?? [])][0] ?? null;
  };
  return Object.fromEntries(columns.map((c) => [c.name, model.exampleRow && c.name in model.exampleRow ? model.exampleRow[c.name] : plain(c)]));
}

function answerSchema(model: TrainedModelArtifact): JsonSchema {
  switch (model.task) {
    case 'classification':
      return {
        type: 'object',
        required: ['predicted', 'probabilities'],
        properties: {
          predicted: { type: 'string', enum: model.labels, description: `The most probable "${model.target}".` },
          probabilities: { type: 'object', properties: Object.fromEntries(model.labels.map((l) => [l, { type: 'number', minimum: 0, maximum: 1 }])) },
        },
      };
    case 'regression':
      return { type: 'object', required: ['predicted'], properties: { predicted: { type: 'number', description: `The predicted "${model.target}".` } } };
    case 'clustering':
      return { type: 'object', required: ['cluster'], properties: { cluster: { type: ['integer', 'string'] } } };
    case 'projection':
      return { type: 'object', required: ['components'], properties: { components: { type: 'object', additionalProperties: { type: 'number' } } } };
  }
}

const note = {
  type: 'object',
  required: ['row', 'field', 'message'],
  properties: { row: { type: 'integer', minimum: 0 }, field: { type: 'string' }, message: { type: 'string' } },
};

const errorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'object', required: ['message'], properties: { message: { type: 'string' }, field: { type: 'string' } } },
    errors: { type: 'array', maxItems: MAX_PROBLEMS_REPORTED, items: { $ref: '#/components/schemas/RowNote' }, description: `Every problem of every row (the first ${MAX_PROBLEMS_REPORTED}).` },
    errorCount: { type: 'integer', description: 'How many problems there were in all.' },
  },
};

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

/** The deployment's OpenAPI 3.1 document; `origin` is the server's address as the request reached it. */
export async function openApiDocument(name: string, origin: string) {
  const { row, model, contract } = await servedModel(name);
  const columns = model.inputColumns.filter((c) => !contract.ignorable.has(c.name));
  const example = exampleRowOf(model, columns, contract);
  const missingAllowed = columns.filter((c) => mayBeMissing(c, contract)).map((c) => c.name);
  return {
    openapi: '3.1.0',
    info: {
      title: `${name} (Pipeloom deployment)`,
      version: String(row.version),
      description: `Predicts "${model.target}" (${model.task}) from the columns of one row. Version ${row.version} answers now. Columns the model does not read are ignored (and named back in \`ignoredColumns\`).`,
    },
    servers: [{ url: origin }],
    security: [{ apiKey: [] }],
    paths: {
      [`/api/v1/models/${name}/predict`]: {
        post: {
          operationId: 'predict',
          summary: `Predict "${model.target}" for up to ${MAX_ROWS_PER_REQUEST.toLocaleString('en')} rows`,
          parameters: [{ name: 'version', in: 'query', required: false, schema: { type: 'integer', minimum: 1 }, description: 'A version other than the live one.' }],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/PredictRequest' },
                example: { rows: [example] },
              },
            },
          },
          responses: {
            '200': { description: 'One answer per row, in order.', content: { 'application/json': { schema: { $ref: '#/components/schemas/PredictResponse' } } } },
            '400': errorResponse('Problems with the rows: every one, by row and field.'),
            '401': errorResponse('No API key (and no session): the deployment is private.'),
            '403': errorResponse('An API key of another workspace, or made for other deployments.'),
            '404': errorResponse('No such deployment or version.'),
            '410': errorResponse('The deployment was undeployed: the message says why.'),
            '413': errorResponse(`More than ${MAX_ROWS_PER_REQUEST.toLocaleString('en')} rows, or a body too big.`),
          },
        },
      },
      [`/api/v1/models/${name}/batch`]: {
        post: {
          operationId: 'predictBatch',
          summary: 'Score a CSV file: the same columns as a header, any number of rows; the answer streams back as CSV',
          requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' }, example: `${columns.map((c) => c.name).join(',')}\n${columns.map((c) => example[c.name] ?? '').join(',')}\n` } } },
          responses: {
            '200': { description: 'The input columns, then the answer columns; a row the model cannot read has its problem in `error` instead.', content: { 'text/csv': { schema: { type: 'string' } } } },
            '400': errorResponse('The header lacks columns the model needs.'),
            '401': errorResponse('No API key (and no session).'),
            '403': errorResponse('An API key of another workspace, or made for other deployments.'),
            '404': errorResponse('No such deployment.'),
            '410': errorResponse('The deployment was undeployed.'),
          },
        },
      },
    },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key of the workspace (Models page → API keys).' } },
      schemas: {
        Row: {
          type: 'object',
          required: columns.map((c) => c.name),
          properties: Object.fromEntries(columns.map((c) => [c.name, columnSchema(c, contract)])),
          description: `Send every column (null for a missing value where the model allows it: ${missingAllowed.length ? missingAllowed.join(', ') : 'none'}).`,
        },
        PredictRequest: {
          type: 'object',
          required: ['rows'],
          properties: { rows: { type: 'array', minItems: 1, maxItems: MAX_ROWS_PER_REQUEST, items: { $ref: '#/components/schemas/Row' } } },
        },
        PredictResponse: {
          type: 'object',
          required: ['model', 'version', 'task', 'target', 'predictions'],
          properties: {
            model: { type: 'string', const: name },
            version: { type: 'integer' },
            task: { type: 'string', const: model.task },
            target: { type: 'string', const: model.target },
            predictions: { type: 'array', items: answerSchema(model) },
            warnings: { type: 'array', items: { $ref: '#/components/schemas/RowNote' }, description: 'Values answered with a caution (a category the model never saw).' },
            warningCount: { type: 'integer' },
            ignoredColumns: { type: 'array', items: { type: 'string' } },
          },
        },
        RowNote: note,
        Error: errorBody,
      },
    },
  };
}
