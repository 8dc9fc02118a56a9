/**
 * Where the run history lives by default: the user's state directory, per the XDG Base Directory
 * specification ($XDG_STATE_HOME, or ~/.local/state when it is unset or not absolute, as the
 * specification says to ignore a relative one), then idlescope/runs.
 *
 * Why not a library: env-paths has no state directory (its `log` is XDG_STATE_HOME on Linux but
 * ~/Library/Logs on macOS), and xdg-basedir reads the environment once, when it is imported, so a
 * test could not hand it a temporary home. This is the specification's rule, given the environment.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** The default history directory for this environment and home. */
export function defaultHistoryDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  home: string = homedir(),
): string {
  const state = env['XDG_STATE_HOME'];
  const base = state !== undefined && isAbsolute(state) ? state : join(home, '.local', 'state');
  return join(base, 'idlescope', 'runs');
}
