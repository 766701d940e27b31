/**
 * Command-line options the way getopt reads them, so flags are found in any
 * order and position: `-fsSLo out`, `--output=out`, `--output out`, `--`.
 */

export interface ParsedOption {
  /** `-y` or `--yes`: one dash for short options, two for long ones. */
  name: string;
  value: string | undefined;
}

export interface ParsedArgs {
  options: ParsedOption[];
  positionals: string[];
}

/**
 * @param valuedShort short option letters that take a value (`o` for `-o FILE`)
 * @param valuedLong long option names that take a value (`--output`)
 */
export function parseArgs(
  args: readonly string[],
  valuedShort: string,
  valuedLong: readonly string[],
): ParsedArgs {
  const options: ParsedOption[] = [];
  const positionals: string[] = [];
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    if (a === '--') {
      positionals.push(...args.slice(k + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq !== -1) options.push({ name: a.slice(0, eq), value: a.slice(eq + 1) });
      else if (valuedLong.includes(a)) options.push({ name: a, value: args[++k] });
      else options.push({ name: a, value: undefined });
    } else if (a.startsWith('-') && a.length > 1) {
      for (let c = 1; c < a.length; c++) {
        const letter = a[c]!;
        if (valuedShort.includes(letter)) {
          const rest = a.slice(c + 1);
          options.push({ name: `-${letter}`, value: rest !== '' ? rest : args[++k] });
          break;
        }
        options.push({ name: `-${letter}`, value: undefined });
      }
    } else positionals.push(a);
  }
  return { options, positionals };
}

export function hasOption(parsed: ParsedArgs, ...names: string[]): boolean {
  return parsed.options.some((o) => names.includes(o.name));
}

export function optionValues(parsed: ParsedArgs, ...names: string[]): string[] {
  return parsed.options
    .filter((o) => names.includes(o.name) && o.value !== undefined)
    .map((o) => o.value!);
}
