import type * as z from 'zod';

/** The parts of a zod 4 schema definition this walk reads (zod/v4/core's public `_zod.def`). */
interface Def {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  items?: z.ZodType[];
  options?: z.ZodType[];
  discriminator?: string;
}

const defOf = (s: z.ZodType) => s._zod.def as unknown as Def;

/** The literal values an object schema's discriminator key admits (a discriminated union picks its option by them). */
function admits(option: z.ZodType, key: string, value: unknown): boolean {
  const values = (option._zod as unknown as { propValues?: Record<string, Set<unknown>> }).propValues?.[key];
  return values?.has(value) ?? false;
}

type Fill = (value: unknown) => unknown;
const identity: Fill = (v) => v;
const compiled = new WeakMap<z.ZodType, Fill>();

/** The filler for one schema, built once: the walk of the schema's definition is done here, not per value. */
function fillerFor(schema: z.ZodType): Fill {
  let fill = compiled.get(schema);
  if (fill) return fill;
  // A placeholder first, so a recursive schema (z.lazy) would find itself instead of recursing for ever.
  compiled.set(schema, (v) => fill!(v));
  fill = build(defOf(schema));
  compiled.set(schema, fill);
  return fill;
}

function build(def: Def): Fill {
  switch (def.type) {
    case 'default': {
      const inner = fillerFor(def.innerType!);
      // defaultValue is a getter giving a fresh copy each time: no two models share a default array.
      return (v) => (v === undefined ? def.defaultValue : inner(v));
    }
    case 'optional':
    case 'nullable':
    case 'readonly':
    case 'nonoptional': {
      const inner = fillerFor(def.innerType!);
      return inner === identity ? identity : (v) => (v === undefined || v === null ? v : inner(v));
    }
    case 'object': {
      // Only the fields with a default somewhere inside them are visited, and the object is filled in place:
      // a real server has some 25 fields in the schema and a handful in a file.
      const keys: string[] = [];
      const fills: Fill[] = [];
      for (const [key, schema] of Object.entries(def.shape!)) {
        const fill = fillerFor(schema);
        if (fill === identity) continue;
        keys.push(key);
        fills.push(fill);
      }
      if (keys.length === 0) return identity;
      return (v) => {
        if (typeof v !== 'object' || v === null) return v;
        const obj = v as Record<string, unknown>;
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i]!;
          const filled = fills[i]!(obj[key]);
          if (filled !== undefined) obj[key] = filled;
        }
        return v;
      };
    }
    case 'array': {
      const element = fillerFor(def.element!);
      if (element === identity) return identity;
      return (v) => {
        if (Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = element(v[i]);
        return v;
      };
    }
    case 'tuple': {
      const items = def.items!.map(fillerFor);
      if (items.every((f) => f === identity)) return identity;
      return (v) => {
        if (Array.isArray(v)) items.forEach((fill, i) => (v[i] = fill(v[i])));
        return v;
      };
    }
    case 'union': {
      const key = def.discriminator;
      if (!key) return identity;
      const options = def.options!.map((o) => [o, fillerFor(o)] as const);
      return (v) => {
        if (typeof v !== 'object' || v === null) return v;
        const tag = (v as Record<string, unknown>)[key];
        const option = options.find(([o]) => admits(o, key, tag));
        return option ? option[1](v) : v;
      };
    }
    default:
      // Scalars, enums, literals, records: no defaults inside.
      return identity;
  }
}

/**
 * The schema's defaults filled, in place, into a value that already satisfies
 * the rest of the schema, with no other check: what `schema.parse(value)`
 * gives for such a value (keys the value had keep their order; defaulted ones
 * follow), without the cost of checking it again. keepalived.conf's reader
 * checks every value at its token as it reads it (with keepalived's ranges and
 * a positioned error), then takes the model's defaults from here, so the
 * schema stays their one source. test/fuzz holds every model the reader
 * accepts to `Config.parse` giving it back unchanged.
 */
export function applyDefaults<T>(schema: z.ZodType, value: T): T {
  return fillerFor(schema)(value) as T;
}
