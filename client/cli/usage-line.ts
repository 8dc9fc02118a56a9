/**
 * yargs' own failures as one clear line each. Its messages are English once the entry pins the
 * locale (yargs otherwise follows LANG), and some of them are not clear alone: "Unknown argument:
 * frob" is said of a flag, a stray argument and an unknown command alike; "Did you mean discover?"
 * does not say what was wrong. Pure, so each case is tested directly.
 */

/** camelCase as the user typed it (yargs reports --foo-bar as both foo-bar and fooBar). */
function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function isFlagToken(token: string, name: string): boolean {
  if (!token.startsWith('-')) return false;
  const bare = token.replace(/^--?/, '').split('=')[0] ?? '';
  return bare === name || bare === kebab(name) || bare === `no-${name}`;
}

/** The flag with the dashes it was typed with (-f, --frob). */
function asTyped(name: string, args: readonly string[]): string {
  const token = args.find((t) => isFlagToken(t, name)) ?? '--';
  return `${token.startsWith('--') ? '--' : '-'}${name}`;
}

function names(list: string): string[] {
  return [...new Set(list.split(', ').map(kebab))];
}

/**
 * The one line for a yargs failure `message`, given the arguments (without node and the script)
 * and the command names.
 */
export function usageLine(message: string, args: readonly string[], commands: readonly string[]): string {
  const first = message.split('\n')[0] ?? '';
  const command = args[0];
  const commandList = `${commands.slice(0, -1).join(', ')} or ${commands.at(-1) ?? ''}`;

  const suggestion = /^Did you mean (\S+)\?$/.exec(first);
  if (suggestion !== null && command !== undefined)
    return `unknown command ${JSON.stringify(command)}: did you mean ${suggestion[1] ?? ''}?`;

  const unknown = /^Unknown arguments?: (.+)$/.exec(first);
  if (unknown !== null) {
    const all = names(unknown[1] ?? '');
    if (command !== undefined && all[0] === command && !commands.includes(command))
      return `unknown command ${JSON.stringify(command)}: name one of ${commandList}`;
    const flags = all.filter((name) => args.some((token) => isFlagToken(token, name)));
    const stray = all.filter((name) => !flags.includes(name));
    const parts = [
      ...(flags.length === 0
        ? []
        : [`unknown flag${flags.length > 1 ? 's' : ''} ${flags.map((f) => asTyped(f, args)).join(', ')}`]),
      ...(stray.length === 0
        ? []
        : [
            `unexpected argument${stray.length > 1 ? 's' : ''} ` +
              `${stray.map((a) => JSON.stringify(a)).join(', ')}`,
          ]),
    ];
    return parts.join('; ');
  }

  const missing = /^Missing required arguments?: (.+)$/.exec(first);
  if (missing !== null) {
    const all = names(missing[1] ?? '');
    return `missing required flag${all.length > 1 ? 's' : ''} ${all.map((f) => `--${f}`).join(', ')}`;
  }

  const noValue = /^Not enough arguments following: (.+)$/.exec(first);
  if (noValue !== null) return `--${kebab(noValue[1] ?? '')} needs a value`;

  // Anything else: all of it, on one line, rather than its first line alone.
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ');
}
