import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LambdaFunction, LambdakitError, NodeLayer, readAssembly, type NodeLayerProps } from '../../lib';
import { FIXTURES, nagFindings, newStack, scratchProject, template } from '../helpers';

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

describe('NodeLayer lock and platform', () => {
  /** The asset hash the template deploys the layer from (its S3 key). */
  function layerAssetKey(stack: Stack): string {
    const layers = template(stack).findResources('AWS::Lambda::LayerVersion');
    const [layer] = Object.values(layers) as { Properties: { Content: { S3Key: string } } }[];
    return layer.Properties.Content.S3Key;
  }

  function synthLayer(projectRoot: string, props: Partial<NodeLayerProps> = {}): { stack: Stack; layer: NodeLayer } {
    const { stack } = newStack();
    const layer = new NodeLayer(stack, 'Shared', { packages: { chalk: '4.1.2' }, projectRoot, lockFile: 'layers/shared/package-lock.json', ...props });
    return { stack, layer };
  }

  function installedVersion(layer: NodeLayer, name: string): string {
    return JSON.parse(fs.readFileSync(path.join(layer.codeDirectory!, 'nodejs', 'node_modules', name, 'package.json'), 'utf8')).version;
  }

  it('writes a missing lockFile into the project and warns to commit it; an unlocked layer is flagged', () => {
    const project = scratchProject();
    const { stack } = synthLayer(project);

    const lock = JSON.parse(fs.readFileSync(path.join(project, 'layers', 'shared', 'package-lock.json'), 'utf8'));
    assert.deepEqual(lock.packages[''].dependencies, { chalk: '4.1.2' });
    assert.ok(lock.packages['node_modules/supports-color'], 'the lock pins transitive dependencies');
    Annotations.fromStack(stack).hasWarning('/TestStack/Shared', Match.stringLikeRegexp('wrote the layer\'s lock to layers/shared/package-lock.json: commit it'));

    const unlocked = synthLayer(scratchProject(), { lockFile: undefined });
    Annotations.fromStack(unlocked.stack).hasWarning('/TestStack/Shared', Match.stringLikeRegexp('the layer is unlocked'));
  });

  it('gives the same asset hash for the same lock from two projects (two caches), whatever the description; another architecture changes it', () => {
    const first = scratchProject();
    const firstKey = layerAssetKey(synthLayer(first).stack);
    const second = scratchProject();
    fs.mkdirSync(path.join(second, 'layers', 'shared'), { recursive: true });
    fs.copyFileSync(path.join(first, 'layers', 'shared', 'package-lock.json'), path.join(second, 'layers', 'shared', 'package-lock.json'));

    const { stack, layer } = synthLayer(second, { description: 'shared helpers' });
    Annotations.fromStack(stack).hasNoWarning('/TestStack/Shared', Match.anyValue());
    assert.equal(layerAssetKey(stack), firstKey);
    assert.notEqual(layer.codeDirectory, undefined);
    assert.ok(!layer.codeDirectory!.startsWith(first), 'the second project installed into its own cache');
    assert.equal(layerAssetKey(synthLayer(first).stack), firstKey, 'the same project again');

    assert.notEqual(layerAssetKey(synthLayer(second, { compatibleArchitectures: [lambda.Architecture.X86_64] }).stack), firstKey);
  });

  it('installs what the lock pins, and a lock change changes the asset hash', () => {
    const project = scratchProject();
    const before = synthLayer(project);
    assert.equal(installedVersion(before.layer, 'supports-color'), '7.2.0');

    const lockPath = path.join(project, 'layers', 'shared', 'package-lock.json');
    const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
    lock.packages['node_modules/supports-color'] = {
      ...lock.packages['node_modules/supports-color'],
      version: '7.1.0',
      resolved: 'https://registry.npmjs.org/supports-color/-/supports-color-7.1.0.tgz',
      integrity: 'sha512-oRSIpR8pxT1Wr2FquTNnGet79b3BWljqOuoW/h4oBhxJ/HUbX5nX6JSruTkvXDCFMwDPvsaTTbvMLKZWSy0R5g==',
    };
    fs.writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);

    const after = synthLayer(project);
    assert.equal(installedVersion(after.layer, 'supports-color'), '7.1.0');
    assert.notEqual(layerAssetKey(after.stack), layerAssetKey(before.stack));
  });

  it('refuses a lockFile that does not lock the layer\'s packages, naming the file', () => {
    const project = scratchProject();
    synthLayer(project);
    assert.throws(
      () => synthLayer(project, { packages: { chalk: '5.4.1' } }),
      (error: unknown) => {
        assert.ok(error instanceof LambdakitError);
        assert.equal(error.code, 'LayerLockOutOfDate');
        assert.match(error.message, /^TestStack\/Shared: layers\/shared\/package-lock.json locks \{"chalk":"4.1.2"\}, not the layer's packages \{"chalk":"5.4.1"\}/);
        assert.match(error.hint ?? '', /delete layers\/shared\/package-lock.json and synth again/);
        return true;
      },
    );
  });

  it('installs optional platform packages for the layer\'s architecture, not this machine\'s', () => {
    const project = scratchProject();
    const platformPackages = (layer: NodeLayer) =>
      fs.readdirSync(path.join(layer.codeDirectory!, 'nodejs', 'node_modules', '@esbuild')).sort();

    const arm = synthLayer(project, { packages: { esbuild: '0.28.2' }, lockFile: 'layers/esbuild/package-lock.json' }).layer;
    assert.deepEqual(platformPackages(arm), ['linux-arm64']);

    const x64 = synthLayer(project, {
      packages: { esbuild: '0.28.2' },
      lockFile: 'layers/esbuild/package-lock.json',
      compatibleArchitectures: [lambda.Architecture.X86_64],
    }).layer;
    assert.deepEqual(platformPackages(x64), ['linux-x64']);
  });
});
