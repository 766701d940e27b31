import { describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import { formatSpecifierSet } from '../../../src/python/pep440.js';
import { evaluateMarker, markerEnvironment, parseRequirement } from '../../../src/python/pep508.js';
import type { PythonTarget } from '../../../src/python/target.js';
import { PY313_X86 } from '../../support/python-target.js';

const target: PythonTarget = { ...PY313_X86, arch: 'aarch64' };
const env = markerEnvironment(target);

describe('PEP 508 requirements', () => {
  it('parses name, extras, parenthesised specifiers and a marker', () => {
    const r = parseRequirement(
      "Requests[Socks, security_Extra] (>=1,<2) ; python_version >= '3.8' and extra == 'socks'",
    );
    expect(r.name).toBe('requests');
    expect(r.extras).toEqual(['socks', 'security-extra']);
    expect(formatSpecifierSet(r.specifier)).toBe('>=1,<2');
    expect(r.marker).toBeDefined();
    expect(evaluateMarker(r.marker, env, ['socks'])).toBe(true);
    expect(evaluateMarker(r.marker, env, [])).toBe(false);
  });

  it.each([
    ['zope.interface', 'zope-interface', ''],
    ['typing_extensions>=4.0', 'typing-extensions', '>=4.0'],
    ['pip==25.1.1', 'pip', '==25.1.1'],
    ['name[]', 'name', ''],
    ['  six ', 'six', ''],
  ])('%s -> %s %s', (text, name, spec) => {
    const r = parseRequirement(text);
    expect(r.name).toBe(name);
    expect(formatSpecifierSet(r.specifier)).toBe(spec);
  });

  it('keeps a direct URL', () => {
    expect(parseRequirement('pip @ https://example.com/pip.whl').url).toBe(
      'https://example.com/pip.whl',
    );
  });

  it('reports malformed requirements as spec errors with the position', () => {
    for (const bad of [
      '>=1.0',
      'foo[bar',
      'foo >=1.0 extra',
      'foo; bogus_var == "1"',
      'foo (>=1',
    ]) {
      expect(() => parseRequirement(bad), bad).toThrow(KuboxError);
    }
    expect(() => parseRequirement('foo >= 1.0 bar')).toThrow(/at character/);
  });
});

describe('PEP 508 markers on a CPython 3.13 aarch64 target', () => {
  it.each<[string, string[], boolean]>([
    ['python_version < "3.10"', [], false],
    ['python_version >= "3.8"', [], true],
    ['python_version > "3.9"', [], true],
    ["python_full_version >= '3.13.0'", [], true],
    ['python_version == "3.13"', [], true],
    ['python_version ~= "3.10"', [], true],
    ['"3.1" in python_version', [], true],
    ['sys_platform == "win32"', [], false],
    ['sys_platform != "win32"', [], true],
    ['os_name == "posix" and platform_system == "Linux"', [], true],
    ['platform_machine == "x86_64"', [], false],
    ['platform_machine == "aarch64"', [], true],
    ['implementation_name == "cpython" and platform_python_implementation == "CPython"', [], true],
    ['platform_python_implementation == "PyPy"', [], false],
    ['python_implementation == "CPython"', [], true],
    ['"linux" not in sys_platform', [], false],
    // platform_release is "" (unknown): not a version, so a version comparison is false, as in packaging.
    ['platform_release >= "5"', [], false],
    ['extra == "socks"', ['socks'], true],
    ['extra == "SOCKS"', ['socks'], true],
    ['extra == "socks"', [], false],
    ['extra == "socks"', ['other', 'socks'], true],
    // `and` binds tighter than `or`.
    ['sys_platform == "win32" and python_version < "3" or extra == "cli"', ['cli'], true],
    ['sys_platform == "win32" and (python_version < "3" or extra == "cli")', ['cli'], false],
    ['python_version < "3" or sys_platform == "linux" and extra == "x"', [], false],
    ['(python_version < "3" or sys_platform == "linux") and extra == "x"', ['x'], true],
    [
      'python_version < "3.10" or (platform_machine == "aarch64" and extra == "fast")',
      ['fast'],
      true,
    ],
  ])('%s with extras %j is %s', (marker, extras, expected) => {
    expect(evaluateMarker(marker, env, extras)).toBe(expected);
  });

  it('uses X.Y.0 for python_full_version unless told the patch level', () => {
    expect(env.python_full_version).toBe('3.13.0');
    expect(evaluateMarker('python_full_version >= "3.13.1"', env)).toBe(false);
    expect(
      evaluateMarker('python_full_version >= "3.13.1"', markerEnvironment(target, '3.13.5')),
    ).toBe(true);
  });

  it('refuses a marker that does not parse', () => {
    expect(() => evaluateMarker('python_version <', env)).toThrow(KuboxError);
    expect(() => evaluateMarker('python_version < "3" and', env)).toThrow(KuboxError);
  });
});
