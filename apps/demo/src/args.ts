/** A command-line mistake: the message says what was wrong; the CLI prints it and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Flags of a subcommand: which take a value and which are booleans. */
export interface FlagSpec {
  values?: readonly string[];
  /** Flags with a value that may be given several times. */
  lists?: readonly string[];
  booleans?: readonly string[];
}

/** Parsed flags: `--name value` / `--name=value` in `values`, `--flag` in `booleans`. */
export interface ParsedFlags {
  values: Map<string, string>;
  lists: Map<string, string[]>;
  booleans: Set<string>;
}

/** Parses `--flag`, `--name value` and `--name=value`; anything else is a `UsageError`. */
export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const values = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const listNames = new Set(spec.lists ?? []);
  const booleans = new Set<string>();
  const valueNames = new Set(spec.values ?? []);
  const booleanNames = new Set(spec.booleans ?? []);
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const equals = arg.indexOf('=');
    const name = arg.slice(2, equals < 0 ? undefined : equals);
    if (booleanNames.has(name) && equals < 0) {
      booleans.add(name);
    } else if (valueNames.has(name) || listNames.has(name)) {
      const value = equals >= 0 ? arg.slice(equals + 1) : argv[++index];
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      if (listNames.has(name)) lists.set(name, [...(lists.get(name) ?? []), value]);
      else values.set(name, value);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { values, lists, booleans };
}
