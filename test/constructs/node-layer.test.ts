import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { LambdaFunction, LambdakitError, NodeLayer, readAssembly } from '../../lib';
import { FIXTURES, nagFindings, newStack, template } from '../helpers';

describe('NodeLayer', () => {
  it('installs its packages under nodejs/node_modules, and functions that attach it leave them out of the bundle', () => {
    const { app, stack } = newStack();
    const layer = new NodeLayer(stack, 'Shared', { packages: { 'is-number': '7.0.0' } });
    const fn = new LambdaFunction(stack, 'Fn', { entry: path.join(FIXTURES, 'handlers', 'uses-is-number.ts'), layers: [layer] });

    const t = template(stack);
    t.hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleRuntimes: ['nodejs24.x'],
      CompatibleArchitectures: ['arm64'],
      Description: 'npm packages: is-number@7.0.0',
    });
    t.hasResourceProperties('AWS::Lambda::Function', { Layers: [{ Ref: Match.stringLikeRegexp('^Shared') }] });

    const assembly = readAssembly(app.synth().directory);
    const [layerDir] = assembly.functions[0].layerDirs;
    assert.ok(layerDir, 'the assembly model finds the layer asset of the function');
    const manifest = path.join(layerDir, 'nodejs', 'node_modules', 'is-number', 'package.json');
    assert.equal(JSON.parse(fs.readFileSync(manifest, 'utf8')).version, '7.0.0');

    const code = fs.readFileSync(path.join(fn.bundle!.outdir, 'index.js'), 'utf8');
    assert.match(code, /require\("is-number"\)/);
    assert.ok(!fn.bundle!.contributors.some((c) => c.name === 'is-number'));
    assert.deepEqual(nagFindings(stack), []);
  });

  it('refuses an empty package list, naming the construct', () => {
    const { stack } = newStack();
    assert.throws(() => new NodeLayer(stack, 'Empty', { packages: {} }), (error: unknown) => {
      assert.ok(error instanceof LambdakitError);
      assert.match(error.message, /^TestStack\/Empty: a NodeLayer needs at least one package/);
      return true;
    });
  });

  it('reports a package npm cannot install in one line, naming the construct', () => {
    const { stack } = newStack();
    assert.throws(
      () => new NodeLayer(stack, 'Broken', { packages: { 'is-number': '999.999.999' } }),
      /TestStack\/Broken: installing layer packages is-number failed: .*(No matching version|notarget|ETARGET)/,
    );
  });
});
