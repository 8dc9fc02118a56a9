import { describe, expect, it } from 'vitest';
import { thrown as thrownAs } from '../../helpers/thrown.js';
import { UsageError } from '../../../protocol/errors.js';
import { TOKEN_ENV, tokenFrom } from '../../../client/cli/token-flags.js';

const files: Record<string, string> = {
  '/t/ok': 's3cret\n',
  '/t/crlf': 's3cret\r\nsecond line\n',
  '/t/empty': '\n',
};
const readFile = (path: string): string => {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  return text;
};

describe('tokenFrom', () => {
  it('takes --token, then --token-file, then the environment, else the empty token', () => {
    const env = { [TOKEN_ENV]: 'from-env' };
    expect(tokenFrom({ token: 'flag' }, env, readFile), '--token wins').toBe('flag');
    expect(tokenFrom({ tokenFile: '/t/ok' }, env, readFile), '--token-file over the env').toBe('s3cret');
    expect(tokenFrom({}, env, readFile), 'the environment').toBe('from-env');
    expect(tokenFrom({}, {}, readFile), 'none: the empty token').toBe('');
  });

  it("reads the file's first line, without its line ending", () => {
    expect(tokenFrom({ tokenFile: '/t/crlf' }, {}, readFile)).toBe('s3cret');
  });

  it.each([
    [{ token: 'a', tokenFile: '/t/ok' }, 'give --token or --token-file, not both'],
    [{ tokenFile: '/t/missing' }, '--token-file "/t/missing" cannot be read (ENOENT)'],
    [{ tokenFile: '/t/empty' }, '--token-file "/t/empty" holds no token on its first line'],
    [{ token: ['a', 'b'] }, '--token was given 2 times: give it once'],
  ])('refuses %j with one line', (flags, message) => {
    expect(thrown(() => tokenFrom(flags, {}, readFile)).message).toBe(message);
  });
});

function thrown(run: () => unknown): UsageError {
  return thrownAs(run, UsageError);
}
