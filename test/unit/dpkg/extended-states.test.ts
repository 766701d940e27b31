import { describe, expect, it } from 'vitest';
import { mergeExtendedStates } from '../../../src/dpkg/extended-states.js';

const BASE = `Package: libfoo1
Architecture: amd64
Auto-Installed: 1

Package: libbar2
Architecture: amd64
Auto-Installed: 1
`;

describe("apt's extended_states", () => {
  it("keeps the base's paragraphs as written and adds each new dependency once", () => {
    expect(
      mergeExtendedStates(
        BASE,
        [
          { name: 'libjemalloc2', architecture: 'amd64' },
          { name: 'libfoo1', architecture: 'amd64' },
          { name: 'vim-runtime', architecture: 'amd64' },
        ],
        new Set(['redis-tools']),
      ),
    ).toBe(
      `${BASE}\nPackage: libjemalloc2\nArchitecture: amd64\nAuto-Installed: 1\n\nPackage: vim-runtime\nArchitecture: amd64\nAuto-Installed: 1\n`,
    );
  });

  it('drops the mark of a package now asked for by name, as apt-get install NAME does', () => {
    expect(mergeExtendedStates(BASE, [], new Set(['libbar2']))).toBe(
      'Package: libfoo1\nArchitecture: amd64\nAuto-Installed: 1\n',
    );
  });

  it('writes nothing for nothing', () => {
    expect(mergeExtendedStates('', [], new Set())).toBe('');
  });
});
