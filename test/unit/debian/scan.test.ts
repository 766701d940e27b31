import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ControlError,
  parseParagraphs,
  parseRelations,
  RelationParser,
  scanFields,
} from '../../../src/debian/control.js';

describe('scanFields', () => {
  it('reads the same values as parseParagraphs from a real dpkg status file', () => {
    const text = readFileSync('/var/lib/dpkg/status', 'utf8');
    const fields = ['Package', 'version', 'Depends', 'Description', 'Conffiles'];
    const rows = scanFields(text, fields);
    const paragraphs = parseParagraphs(text);
    expect(rows.length).toBe(paragraphs.length);
    rows.forEach((row, i) => expect(row).toEqual(fields.map((f) => paragraphs[i]!.get(f))));
  });

  it('handles CRLF, comments, "." continuation lines and a missing final newline', () => {
    const text =
      '# comment\r\nPackage: a\r\nDescription: x\r\n line\r\n .\r\n more\r\n\r\nPackage: b';
    expect(scanFields(text, ['Package', 'Description'])).toEqual([
      ['a', 'x\nline\n\nmore'],
      ['b', undefined],
    ]);
  });

  it('rejects text that is not deb822', () => {
    expect(() => scanFields('Package: a\nnot a field\n', ['Package'])).toThrow(ControlError);
    expect(() => scanFields(' orphan\n', ['Package'])).toThrow('line 1: a continuation line');
  });
});

describe('RelationParser', () => {
  it('gives what parseRelations gives, sharing repeated atoms', () => {
    const field =
      'libc6 (>= 2.34), libssl3 (>= 3.0.0) | libssl1.1, python3:any, foo [amd64 !arm64]';
    const rp = new RelationParser();
    const a = rp.parse(field);
    expect(a).toEqual(parseRelations(field));
    const b = rp.parse('libc6 (>= 2.34)');
    expect(b[0]![0]).toBe(a[0]![0]);
    expect(Object.isFrozen(b[0]![0])).toBe(true);
    expect(rp.parse(undefined)).toEqual([]);
    expect(rp.parse('  ')).toEqual([]);
    expect(() => rp.parse('libc6 (>= 2.34), ')).toThrow(ControlError);
  });
});
