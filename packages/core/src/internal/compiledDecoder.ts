import { Either, Option, Schema, SchemaAST as AST } from "effect"
import { setOwn } from "./records.js"

/** What a compiled decoder answers when it cannot vouch for an input: the schema decides. */
export const Undecided: unique symbol = Symbol("Undecided")

type Step = (input: unknown) => unknown

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

const { hasOwnProperty, propertyIsEnumerable } = Object.prototype

/** Annotations that change how `effect/Schema` parses a node: such a node is left to it. */
const parsedPlainly = (ast: AST.AST): boolean =>
  Option.isNone(AST.getParseOptionsAnnotation(ast)) && Option.isNone(AST.getDecodingFallbackAnnotation(ast))

/**
 * The predicate of one of `effect/Schema`'s own string and number filters, read from what the
 * filter records of itself, so that a valid value is checked without the filter's Option; any
 * other refinement (or one recorded otherwise) is undefined and runs as the schema runs it.
 */
const knownPredicate = (ast: AST.Refinement): ((value: never) => boolean) | undefined => {
  const id = Option.getOrUndefined(AST.getSchemaIdAnnotation(ast))
  const bounds = Option.getOrUndefined(AST.getJSONSchemaAnnotation(ast)) as
    | { readonly minLength?: unknown; readonly maxLength?: unknown; readonly minimum?: unknown; readonly maximum?: unknown }
    | undefined
  switch (id) {
    case Schema.MinLengthSchemaId: {
      const min = bounds?.minLength
      return typeof min === "number" ? (value: string) => value.length >= min : undefined
    }
    case Schema.MaxLengthSchemaId: {
      const max = bounds?.maxLength
      return typeof max === "number" ? (value: string) => value.length <= max : undefined
    }
    case Schema.PatternSchemaId: {
      const regex = (ast.annotations[Schema.PatternSchemaId] as { readonly regex?: unknown } | undefined)?.regex
      if (!(regex instanceof RegExp) || regex.global || regex.sticky) return undefined
      return (value: string) => regex.test(value)
    }
    case Schema.IntSchemaId:
      return (value: number) => Number.isSafeInteger(value)
    case Schema.GreaterThanOrEqualToSchemaId: {
      const min = bounds?.minimum
      return typeof min === "number" ? (value: number) => value >= min : undefined
    }
    case Schema.LessThanOrEqualToSchemaId: {
      const max = bounds?.maximum
      return typeof max === "number" ? (value: number) => value <= max : undefined
    }
    case Schema.BetweenSchemaId: {
      const min = bounds?.minimum
      const max = bounds?.maximum
      return typeof min === "number" && typeof max === "number" ? (value: number) => value >= min && value <= max : undefined
    }
    default:
      return undefined
  }
}

/**
 * What a null member means: a member not given, as in AWS's JSON protocols (an operation's input),
 * or a value like any other (a stored document, where `Schema.NullOr` says where it may be).
 */
export type Nulls = "absent" | "values"

interface Compiling {
  readonly options: AST.ParseOptions
  readonly nulls: Nulls
}

const compileNode = (ast: AST.AST, compiling: Compiling): Step | undefined => {
  const { options } = compiling
  if (!parsedPlainly(ast)) return undefined
  switch (ast._tag) {
    case "StringKeyword":
      return (u) => typeof u === "string" ? u : Undecided
    case "NumberKeyword":
      return (u) => typeof u === "number" ? u : Undecided
    case "BooleanKeyword":
      return (u) => typeof u === "boolean" ? u : Undecided
    case "Literal": {
      const literal = ast.literal
      return (u) => u === literal ? u : Undecided
    }
    case "Union": {
      if (ast.types.every((member) => member._tag === "Literal" && parsedPlainly(member))) {
        const literals = ast.types.map((member) => (member as AST.Literal).literal)
        return (u) => literals.includes(u as AST.LiteralValue) ? u : Undecided
      }
      // only where no member is a container: the schema picks among those by more than order
      if (ast.types.some((member) => AST.encodedAST(member)._tag === "TypeLiteral" || AST.encodedAST(member)._tag === "TupleType")) {
        return undefined
      }
      const members = ast.types.map((member) => compileNode(member, compiling))
      if (members.some((member) => member === undefined)) return undefined
      return (u) => {
        for (const member of members as Array<Step>) {
          const value = member(u)
          if (value !== Undecided) return value
        }
        return Undecided
      }
    }
    case "Refinement": {
      const from = compileNode(ast.from, compiling)
      if (from === undefined) return undefined
      const holds = knownPredicate(ast) as ((value: unknown) => boolean) | undefined
      if (holds !== undefined) {
        return (u) => {
          const value = from(u)
          return value === Undecided || !holds(value) ? Undecided : value
        }
      }
      return (u) => {
        const value = from(u)
        return value === Undecided || Option.isSome(ast.filter(value, options, ast)) ? Undecided : value
      }
    }
    case "Declaration": {
      if (ast.typeParameters.length > 0) return undefined
      const parse = ast.decodeUnknown()
      // a plain container would reach the schema without its nulls, which a declaration may see
      return (u) => {
        if (isPlainObject(u) || Array.isArray(u)) return Undecided
        const result = parse(u, options, ast)
        return Either.isEither(result) && Either.isRight(result) ? result.right : Undecided
      }
    }
    case "TupleType": {
      if (ast.elements.length > 0 || ast.rest.length !== 1) return undefined
      const element = compileNode(ast.rest[0]!.type, compiling)
      if (element === undefined) return undefined
      return (u) => {
        if (!Array.isArray(u)) return Undecided
        const out = new Array<unknown>(u.length)
        for (let i = 0; i < u.length; i++) {
          const value = element(u[i])
          if (value === Undecided) return Undecided
          out[i] = value
        }
        return out
      }
    }
    case "TypeLiteral":
      return ast.propertySignatures.length === 0 ? compileRecord(ast, compiling) : compileStruct(ast, compiling)
    default:
      return undefined
  }
}

/**
 * A plain object's known members, a null one taken as absent as `withoutNulls` makes it when
 * nulls are absent; any other object is left to the schema, and so is a known member that is own
 * but not enumerable (which a copy without nulls would lose).
 */
const compileStruct = (ast: AST.TypeLiteral, compiling: Compiling): Step | undefined => {
  if (ast.indexSignatures.length > 0) return undefined
  const members: Array<{ readonly name: string; readonly optional: boolean; readonly step: Step }> = []
  for (const signature of ast.propertySignatures) {
    const step = compileNode(signature.type, compiling)
    if (typeof signature.name !== "string" || step === undefined) return undefined
    members.push({ name: signature.name, optional: signature.isOptional, step })
  }
  const nullsAbsent = compiling.nulls === "absent"
  return (u) => {
    if (!isPlainObject(u)) return Undecided
    const out: Record<string, unknown> = {}
    for (const { name, optional, step } of members) {
      const enumerable = propertyIsEnumerable.call(u, name)
      if (!enumerable && hasOwnProperty.call(u, name)) return Undecided
      const given = enumerable ? u[name] : undefined
      if (given === undefined || (nullsAbsent && given === null)) {
        if (!optional) return Undecided
        continue
      }
      const value = step(given)
      if (value === Undecided) return Undecided
      out[name] = value
    }
    return out
  }
}

/**
 * A plain object as a map from any string to one kind of value (`Schema.Record` with string
 * keys), every key kept as an own member: the schema assigns each, which makes a "__proto__"
 * key the map's prototype.
 */
const compileRecord = (ast: AST.TypeLiteral, compiling: Compiling): Step | undefined => {
  if (ast.indexSignatures.length !== 1 || compiling.nulls === "absent") return undefined
  const signature = ast.indexSignatures[0]!
  if (signature.parameter._tag !== "StringKeyword") return undefined
  const step = compileNode(signature.type, compiling)
  if (step === undefined) return undefined
  return (u) => {
    if (!isPlainObject(u)) return Undecided
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(u)) {
      const value = step(u[key])
      if (value === Undecided) return Undecided
      setOwn(out, key, value)
    }
    return out
  }
}

/**
 * The decoding of a schema's valid inputs without `effect/Schema`'s parser, which builds an
 * Either or an Option at every node: for what it vouches for, the value the schema decodes from
 * the input (without its null members, when nulls are absent), and `Undecided` for the rest
 * (invalid inputs among them), which the schema itself decodes. Undefined for a schema with any
 * node other than plain structs, arrays, keywords, literals, unions of those, refinements,
 * declarations and, where nulls are values, maps from strings.
 */
export const compileDecoder = <A, I>(
  schema: { readonly ast: AST.AST; readonly Type: A; readonly Encoded: I },
  options: AST.ParseOptions,
  nulls: Nulls = "absent"
): ((input: unknown) => A | typeof Undecided) | undefined =>
  compileNode(schema.ast, { options, nulls }) as ((input: unknown) => A | typeof Undecided) | undefined
