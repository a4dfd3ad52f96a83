/**
 * The sections a bench run names, each with the parts it names (undefined: all of it). A section
 * named twice runs once, with the parts of both, each once, or all of it when either names none.
 */
export const askedSections = (positionals: ReadonlyArray<string>): Map<string, ReadonlyArray<string> | undefined> => {
  const asked = new Map<string, ReadonlyArray<string> | undefined>()
  for (const arg of positionals) {
    const [name, only] = arg.split(":") as [string, string | undefined]
    const parts = only?.split(",")
    const before = asked.get(name)
    asked.set(
      name,
      !asked.has(name) ? parts : before === undefined || parts === undefined ? undefined : [...new Set([...before, ...parts])]
    )
  }
  return asked
}
