import {
  invalidOption,
  isStandardJsonSchema,
  isZodSchema,
  type JsonSchema,
  type MiddlewareContext,
  type MiddlewareDecision,
  MiddlewarePriority,
  type MiddlewareScope,
  type ToolCall,
  type ToolDefinition,
  type ToolMiddleware,
  toJsonSchema,
} from '@victor-ai/core';
import { Ajv, type Options as AjvOptions, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { MiddlewareResultCode } from './codes.js';

/** Options of `createValidationMiddleware`. */
export interface ValidationMiddlewareOptions {
  /** Default `validation`. */
  name?: string;
  /** Default `MiddlewarePriority.high`: after safety, before the rest. */
  priority?: number;
  appliesTo?: MiddlewareScope;
  /** How many schema violations to name in one reason; default 5. */
  maxErrors?: number;
}

const AJV_OPTIONS: AjvOptions = {
  allErrors: true,
  // Tool schemas come from many places; keywords Ajv does not know are ignored rather than fatal.
  strict: false,
  validateFormats: false,
  logger: false,
};

function argumentName(error: ErrorObject): string {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  return path.length === 0
    ? ''
    : path
        .map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : segment))
        .join('.')
        .replace(/\.\[/g, '[');
}

function describeError(error: ErrorObject): string {
  const name = argumentName(error);
  const subject = name === '' ? 'the arguments' : `argument ${JSON.stringify(name)}`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      return `missing required argument ${JSON.stringify(name === '' ? missing : `${name}.${missing}`)}`;
    }
    case 'additionalProperties':
      return `unknown argument ${JSON.stringify(name === '' ? String(params.additionalProperty) : `${name}.${String(params.additionalProperty)}`)}`;
    case 'type':
      return `${subject} must be ${String(params.type)}`;
    case 'enum':
      return `${subject} must be one of ${JSON.stringify(params.allowedValues)}`;
    case 'const':
      return `${subject} must be ${JSON.stringify(params.allowedValue)}`;
    default:
      return `${subject} ${error.message ?? `fails ${error.keyword}`}`;
  }
}

/**
 * A guard that validates tool arguments against the tool's parameters (JSON Schema, or zod converted with
 * `toJsonSchema`). Each tool's schema is compiled once with Ajv (in `prepare`, when an agent registers the
 * tool, or else on its first call) and reused; a failure blocks with
 * `INVALID_ARGUMENTS` and a reason naming each bad argument and what was expected.
 */
export function createValidationMiddleware(options: ValidationMiddlewareOptions = {}): ToolMiddleware {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options);
  const maxErrors = options.maxErrors ?? 5;
  if (!Number.isInteger(maxErrors) || maxErrors < 1)
    throw invalidOption('maxErrors', 'a positive integer', maxErrors);
  const priority = options.priority ?? MiddlewarePriority.high;
  if (!Number.isFinite(priority)) throw invalidOption('priority', 'a finite number', priority);
  let draft7: Ajv | undefined;
  let draft2020: Ajv2020 | undefined;
  const validators = new WeakMap<ToolDefinition, ValidateFunction | Error>();

  function compile(definition: ToolDefinition): ValidateFunction | Error {
    let validate = validators.get(definition);
    if (validate !== undefined) return validate;
    try {
      const parameters = definition.parameters;
      const schema: JsonSchema = toJsonSchema(parameters);
      // zod and Standard JSON Schemas are converted to draft 2020-12.
      const modern =
        isZodSchema(parameters) ||
        isStandardJsonSchema(parameters) ||
        (typeof schema.$schema === 'string' && schema.$schema.includes('2020-12'));
      if (modern) draft2020 ??= new Ajv2020(AJV_OPTIONS);
      else draft7 ??= new Ajv(AJV_OPTIONS);
      const ajv = modern ? draft2020! : draft7!;
      validate = ajv.compile(schema);
    } catch (error) {
      // Remembered, so that a broken schema costs one compile, not one per call.
      validate = new Error(
        `the parameters schema of tool ${JSON.stringify(definition.name)} cannot be compiled: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    validators.set(definition, validate);
    return validate;
  }

  const middleware: ToolMiddleware = {
    name: options.name ?? 'validation',
    priority,
    kind: 'guard',
    // An agent calls this for each tool before its first turn: the first call of a tool then finds its
    // schema compiled (compiling is most of a first call's cost; a failure is kept for that call to report).
    prepare(definition: ToolDefinition): void {
      compile(definition);
    },
    before(call: ToolCall, context: MiddlewareContext): MiddlewareDecision | undefined {
      const validate = compile(context.definition);
      // A schema that cannot be compiled is a configuration fault: throwing makes the chain fail closed.
      if (validate instanceof Error) throw validate;
      if (validate(call.arguments)) return undefined;
      const errors = validate.errors ?? [];
      const reasons = errors.slice(0, maxErrors).map(describeError);
      if (errors.length > maxErrors) reasons.push(`and ${errors.length - maxErrors} more`);
      return {
        type: 'block',
        code: MiddlewareResultCode.invalidArguments,
        reason: `invalid arguments for tool ${JSON.stringify(call.name)}: ${reasons.join('; ')}`,
      };
    },
  };
  if (options.appliesTo !== undefined) middleware.appliesTo = options.appliesTo;
  return middleware;
}
