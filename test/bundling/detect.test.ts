import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { detectLanguage, runtimeFamilyOf } from '../../lib/bundling/detect';
import { LambdakitError } from '../../lib/errors';
import { RUNTIME_FIXTURES } from './runtimes-helpers';

function tree(files: Record<string, string | { content: string; mode: number }>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-detect-'));
  for (const [name, value] of Object.entries(files)) {
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (typeof value === 'string') fs.writeFileSync(file, value);
    else fs.writeFileSync(file, value.content, { mode: value.mode });
  }
  return root;
}

describe('detectLanguage', () => {
  it('knows handler files by their extension', () => {
    const root = tree({ 'a.py': '', 'b.ts': '', 'c.tsx': '', 'd.js': '', 'e.mjs': '', 'f.cjs': '', 'g.mts': '', 'h.cts': '', 'cmd/main.go': '' });
    assert.equal(detectLanguage(path.join(root, 'a.py')), 'python');
    for (const name of ['b.ts', 'c.tsx', 'd.js', 'e.mjs', 'f.cjs', 'g.mts', 'h.cts']) assert.equal(detectLanguage(path.join(root, name)), 'nodejs', name);
    assert.equal(detectLanguage(path.join(root, 'cmd', 'main.go')), 'go');
  });

  it('knows directories by what they hold: go.mod or .go files, Cargo.toml, an executable bootstrap', () => {
    assert.equal(detectLanguage(path.join(RUNTIME_FIXTURES, 'go')), 'go');
    assert.equal(detectLanguage(path.join(RUNTIME_FIXTURES, 'rust')), 'rust');
    assert.equal(detectLanguage(path.join(RUNTIME_FIXTURES, 'custom')), 'custom');
    const root = tree({ 'cmd/hello/main.go': 'package main\n', 'both/Cargo.toml': '', 'both/bootstrap': { content: '', mode: 0o755 } });
    assert.equal(detectLanguage(path.join(root, 'cmd', 'hello')), 'go');
    assert.equal(detectLanguage(path.join(root, 'both')), 'rust', 'sources win over a prebuilt bootstrap beside them');
  });

  it('rejects anything else, naming the entry and the kinds it accepts', () => {
    const root = tree({ 'notes.txt': '', 'empty/.keep': '', 'script/bootstrap': { content: '#!/bin/sh\n', mode: 0o644 } });
    for (const entry of [path.join(root, 'notes.txt'), path.join(root, 'empty')]) {
      assert.throws(
        () => detectLanguage(entry),
        (e: LambdakitError) => e.code === 'EntryNotRecognised' && e.message.includes(entry) && /\.py/.test(e.hint ?? '') && /Cargo\.toml/.test(e.hint ?? '') && /bootstrap/.test(e.hint ?? ''),
      );
    }
    assert.throws(() => detectLanguage(path.join(root, 'script')), (e: LambdakitError) => e.code === 'EntryNotRecognised' && /chmod \+x/.test(e.hint ?? ''));
    assert.throws(() => detectLanguage(path.join(root, 'missing.ts')), (e: LambdakitError) => e.code === 'EntryNotFound');
  });
});

describe('runtimeFamilyOf', () => {
  it('puts compiled and custom runtimes on provided', () => {
    assert.deepEqual(
      (['nodejs', 'python', 'go', 'rust', 'custom'] as const).map(runtimeFamilyOf),
      ['nodejs', 'python', 'provided', 'provided', 'provided'],
    );
  });
});
