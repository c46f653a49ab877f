import { type PipeTransform } from '@nestjs/common';
import Ajv, {
  type ErrorObject,
  type JSONSchemaType,
  type SchemaObject,
  type ValidateFunction,
} from 'ajv';
import addFormats from 'ajv-formats';
import { type FieldProblem, ProblemException } from './problem';

/** At most this many field problems are returned; the rest are counted in `detail`. */
export const fieldProblemsMax = 50;

// One compiler per process: compiled validators are cached by schema identity.
const ajv = addFormats(
  new Ajv({ allErrors: true, strict: true, coerceTypes: false, useDefaults: false }),
);

/**
 * Validates a request body (or query) against a JSON schema and answers `VALIDATION_FAILED` with
 * one `{ field, code, message }` per problem. Schemas usually come from `libs/contracts`; give them
 * `additionalProperties: false` so unknown fields are named too.
 *
 * @example
 * @Post('uploads')
 * upload(@Body(new JsonSchemaValidationPipe(uploadBatchSchema)) batch: UploadBatch) { ... }
 */
export class JsonSchemaValidationPipe<Value> implements PipeTransform<unknown, Value> {
  private readonly validate: ValidateFunction<Value>;

  constructor(schema: JSONSchemaType<Value> | SchemaObject) {
    this.validate = ajv.compile<Value>(schema);
  }

  transform(value: unknown): Value {
    if (this.validate(value)) return value;
    const problems = (this.validate.errors ?? []).map(toFieldProblem);
    const shown = problems.slice(0, fieldProblemsMax);
    const hidden = problems.length - shown.length;
    throw ProblemException.validation(
      shown.length > 0 ? shown : [{ field: '', code: 'INVALID', message: 'is invalid' }],
      hidden > 0
        ? `The request has invalid fields; the first ${shown.length} are listed, ${hidden} more were found.`
        : undefined,
    );
  }
}

/** Maps one Ajv error to a field problem with a stable code. Exported for tests. */
export function toFieldProblem(error: ErrorObject): FieldProblem {
  const base = pointerToField(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        field: joinField(base, String(params.missingProperty)),
        code: 'REQUIRED',
        message: 'is required',
      };
    case 'additionalProperties':
      return {
        field: joinField(base, String(params.additionalProperty)),
        code: 'UNKNOWN_FIELD',
        message: 'is not allowed here',
      };
    case 'type':
      return { field: base, code: 'INVALID_TYPE', message: `must be ${String(params.type)}` };
    case 'format':
    case 'pattern':
      return {
        field: base,
        code: 'INVALID_FORMAT',
        message: error.message ?? 'has the wrong format',
      };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems':
      return { field: base, code: 'OUT_OF_RANGE', message: error.message ?? 'is out of range' };
    case 'enum':
    case 'const':
      return {
        field: base,
        code: 'NOT_ALLOWED',
        message: error.message ?? 'is not an allowed value',
      };
    default:
      return { field: base, code: 'INVALID', message: error.message ?? 'is invalid' };
  }
}

/** `/items/0/amount` → `items[0].amount` (JSON pointer escapes undone). */
function pointerToField(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce(
      (field, segment) =>
        /^\d+$/.test(segment) ? `${field}[${segment}]` : joinField(field, segment),
      '',
    );
}

function joinField(base: string, name: string): string {
  return base === '' ? name : `${base}.${name}`;
}
