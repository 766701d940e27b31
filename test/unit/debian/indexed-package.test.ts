import { describe, expect, it } from 'vitest';
import { RelationParser } from '../../../src/debian/control.js';
import { IndexedPackage } from '../../../src/debian/indexed-package.js';
import { KuboxError } from '../../../src/errors.js';

const at = (parser = new RelationParser()) => ({
  source: 'debian',
  url: 'http://deb.example/pool/c/curl.deb',
  where: 'http://deb.example/debian bookworm main',
  parser,
});

describe('a package from a Packages index', () => {
  it('parses its relations when asked, once, sharing atoms between packages', () => {
    const parser = new RelationParser();
    const curl = new IndexedPackage(
      {
        name: 'curl',
        version: '7.88.1-10',
        architecture: 'amd64',
        relations: { depends: 'libc6 (>= 2.34), libcurl4 (= 7.88.1-10) | libcurl3' },
      },
      at(parser),
    );
    const wget = new IndexedPackage(
      {
        name: 'wget',
        version: '1.21',
        architecture: 'amd64',
        relations: { depends: 'libc6 (>= 2.34)' },
      },
      at(parser),
    );
    expect(curl.depends).toEqual([
      [{ name: 'libc6', relation: '>=', version: '2.34' }],
      [{ name: 'libcurl4', relation: '=', version: '7.88.1-10' }, { name: 'libcurl3' }],
    ]);
    expect(curl.depends).toBe(curl.depends);
    expect(wget.depends[0]![0]).toBe(curl.depends[0]![0]);
    expect(curl.preDepends).toEqual([]);
    expect(curl.essential).toBe(false);
    expect(curl.source).toBe('debian');
  });

  it('a relation that does not parse fails only the resolution that reads it, naming index and package', () => {
    const broken = new IndexedPackage(
      { name: 'bad', version: '1', architecture: 'all', relations: { depends: 'a, , b' } },
      at(),
    );
    expect(broken.name).toBe('bad');
    expect(() => broken.depends).toThrow(KuboxError);
    expect(() => broken.depends).toThrow(/deb\.example\/debian bookworm main: package bad 1:/);
  });
});
