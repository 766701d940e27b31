import { ruleCases } from './cases.js';
import { describe, expect, it } from 'vitest';
import { BASE, lint } from '../support.js';

ruleCases('DL3013', [
  { name: 'off by default', text: `${BASE}\nRUN pip install --no-cache-dir requests`, lines: [] },
  {
    name: 'unpinned when enabled',
    text: `${BASE}\nRUN pip install --no-cache-dir requests`,
    lines: [2],
    config: { enable: ['DL3013'] },
  },
  {
    name: 'pinned and files',
    text: `${BASE}\nRUN pip install --no-cache-dir requests==2.32.0 ./pkg -r req.txt`,
    lines: [],
    config: { enable: ['DL3013'] },
  },
  ...[
    [
      '--root-user-action takes a value',
      'pip install --root-user-action ignore requests==2.32.0',
      [],
    ],
    [
      '--root-user-action value is no package',
      'pip install --root-user-action ignore requests',
      [2],
    ],
    ['constraints file (-c)', 'pip install -c constraints.txt requests', []],
    ['constraints file (--constraint)', 'pip install --constraint=/c.txt requests flask', []],
    ['local path foo/bar', 'pip install foo/bar', []],
    ['git+ without @ref', 'pip install git+https://github.com/psf/requests.git', [2]],
    [
      'git+ssh user@host is not a ref',
      'pip install git+ssh://git@github.com/psf/requests.git',
      [2],
    ],
    ['git+ with @ref', 'pip install git+https://github.com/psf/requests.git@v2.32.0', []],
    [
      'name @ git+ without ref',
      'pip install "requests @ git+https://github.com/psf/requests.git"',
      [2],
    ],
    ['name @ archive URL', 'pip install "requests @ https://x/requests-2.32.0.tar.gz"', []],
    ['> bound', "pip install 'requests>2'", []],
    ['< bound', "pip install 'requests<3'", []],
    ['>= bound', "pip install 'requests>=2'", []],
    ['pipx unpinned', 'pipx install httpie', [2]],
    ['pipx pinned', 'pipx install httpie==3.2.4', []],
    ['pipx --python value is no package', 'pipx install --python python3.12 httpie==3.2.4', []],
  ].map(([name, cmd, lines]) => ({
    name: name as string,
    text: `${BASE}\nRUN ${cmd as string}`,
    lines: lines as number[],
    config: { enable: ['DL3013'] },
  })),
]);

describe('DL3013 message', () => {
  it('names only the packages, not option values', () => {
    const found = lint(
      `${BASE}\nRUN pip install --root-user-action ignore -i https://x/simple requests`,
      {
        enable: ['DL3013'],
      },
    ).filter((f) => f.code === 'DL3013');
    expect(found.map((f) => f.message)).toEqual(['pip install without versions: requests']);
  });
});
