import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** A wheel to write by hand: a zip with the package files and a minimal dist-info. */
export interface FakeWheel {
  readonly name: string;
  readonly version: string;
  /** The wheel's compatibility tag, e.g. `py3-none-any` or `cp314-cp314-manylinux2014_x86_64`. */
  readonly tag: string;
  readonly files: Record<string, string>;
}

/** Writes wheels into a find-links directory, so pip installs them offline (PIP_FIND_LINKS + PIP_NO_INDEX). */
export function writeWheels(dir: string, wheels: FakeWheel[]): void {
  const script = [
    'import json, sys, zipfile',
    'for w in json.loads(sys.argv[2]):',
    '    info = "%s-%s.dist-info" % (w["name"], w["version"])',
    '    with zipfile.ZipFile("%s/%s-%s-%s.whl" % (sys.argv[1], w["name"], w["version"], w["tag"]), "w") as z:',
    '        for rel, text in w["files"].items(): z.writestr(rel, text)',
    '        z.writestr(info + "/METADATA", "Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (w["name"], w["version"]))',
    '        z.writestr(info + "/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: %s\\n" % w["tag"])',
    '        z.writestr(info + "/RECORD", "")',
  ].join('\n');
  const run = spawnSync('python3', ['-c', script, dir, JSON.stringify(wheels)], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
}

/** A pure-Python package the fixtures depend on. */
export const GREETING: FakeWheel = { name: 'greeting', version: '1.0', tag: 'py3-none-any', files: { 'greeting/__init__.py': 'GREETING = "hello"\n' } };

/** Sets environment variables until the returned function is called, which puts the old values back. */
export function setEnvironment(values: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
