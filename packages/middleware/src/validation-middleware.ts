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
import type { Ajv, Options as AjvOptions, ErrorObject, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { MiddlewareResultCode } from './codes.js';
import { checkOptions, checkPriority } from './options.js';

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

interface AjvClasses {
  Ajv: typeof Ajv;
  Ajv2020: typeof Ajv2020;
}

let ajvClasses: AjvClasses | undefined;
let ajvLoading: Promise<AjvClasses> | undefined;

/**
 * Loads ajv on first use: an application (or an agent) that never validates tool arguments never loads it.
 * Once loaded, validation is synchronous again; a failed load is retried by the next call.
 */
function loadAjv(): Promise<AjvClasses> {
  ajvLoading ??= Promise.all([import('ajv'), import('ajv/dist/2020.js')]).then(
    ([draft7, draft2020]) => {
      ajvClasses = { Ajv: draft7.Ajv, Ajv2020: draft2020.Ajv2020 };
      return ajvClasses;
    },
    (error: unknown) => {
      ajvLoading = undefined;
      throw error;
    },
  );
  return ajvLoading;
}

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
 * `toJsonSchema`). Ajv is loaded on first use (`prepare` or the first call); each tool's schema is compiled
 * once (in `prepare`, when an agent registers the tool, or else on its first call) and reused; a failure blocks with
 * `INVALID_ARGUMENTS` and a reason naming each bad argument and what was expected.
 */
export function createValidationMiddleware(options: ValidationMiddlewareOptions = {}): ToolMiddleware {
  checkOptions(options);
  const maxErrors = options.maxErrors ?? 5;
  if (!Number.isInteger(maxErrors) || maxErrors < 1)
    throw invalidOption('maxErrors', 'a positive integer', maxErrors);
  const priority = checkPriority(options.priority, MiddlewarePriority.high);
  let draft7: Ajv | undefined;
  let draft2020: Ajv2020 | undefined;
  const validators = new WeakMap<ToolDefinition, ValidateFunction | Error>();

  /** Compiles (once) the schema of `definition`; ajv must be loaded. */
  function compile(classes: AjvClasses, definition: ToolDefinition): ValidateFunction | Error {
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
      if (modern) draft2020 ??= new classes.Ajv2020(AJV_OPTIONS);
      else draft7 ??= new classes.Ajv(AJV_OPTIONS);
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

  function check(call: ToolCall, validate: ValidateFunction | Error): MiddlewareDecision | undefined {
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
  }

  const middleware: ToolMiddleware = {
    name: options.name ?? 'validation',
    priority,
    kind: 'guard',
    // An agent calls this for each tool before its first turn: the first call of a tool then finds its
    // schema compiled (compiling is most of a first call's cost; a failure is kept for that call to report).
    // Before ajv is loaded, it starts the load and compiles once it is in (a failed load is left to the
    // first call to report).
    prepare(definition: ToolDefinition): void {
      if (ajvClasses !== undefined) compile(ajvClasses, definition);
      else
        loadAjv().then(
          (classes) => compile(classes, definition),
          () => {},
        );
    },
    before(
      call: ToolCall,
      context: MiddlewareContext,
    ): MiddlewareDecision | undefined | Promise<MiddlewareDecision | undefined> {
      // The hot path: the schema compiled (by prepare or an earlier call), checked synchronously.
      const validate = validators.get(context.definition);
      if (validate !== undefined) return check(call, validate);
      if (ajvClasses !== undefined) return check(call, compile(ajvClasses, context.definition));
      return loadAjv().then((classes) => check(call, compile(classes, context.definition)));
    },
  };
  if (options.appliesTo !== undefined) middleware.appliesTo = options.appliesTo;
  return middleware;
}
