import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REGION_HINT, requireRegion, resolveRegion } from '../../lib/ops/region';
import { runCli } from '../cli/run-cli';
import { opsProject } from './fixture';
import { DUMMY_AWS_ENV, type Moto, deployAssembly, startMoto } from './moto';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-region-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function configFile(text: string): string {
  const file = path.join(tmp, `config-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(file, text);
  return file;
}

const CONFIG = `# written by aws configure
[default]
region = eu-west-1
output = json

[profile ops]
s3 =
  region = ap-south-1
region=eu-central-1 ; the team's
[profile bare]
output = text
`;

describe('resolveRegion', () => {
  it('takes --region, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile in the config file', () => {
    const file = configFile(CONFIG);
    const env = { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-east-2', AWS_CONFIG_FILE: file };
    assert.deepEqual(resolveRegion('sa-east-1', env), { region: 'sa-east-1', source: '--region' });
    assert.deepEqual(resolveRegion(undefined, env), { region: 'us-west-2', source: 'AWS_REGION' });
    assert.deepEqual(resolveRegion(undefined, { ...env, AWS_REGION: '' }), { region: 'us-east-2', source: 'AWS_DEFAULT_REGION' });
    assert.deepEqual(resolveRegion(undefined, { AWS_CONFIG_FILE: file }), { region: 'eu-west-1', source: 'config file' });
  });

  it('reads the [profile name] section of AWS_PROFILE, not a nested setting of it', () => {
    const file = configFile(CONFIG);
    assert.equal(resolveRegion(undefined, { AWS_CONFIG_FILE: file, AWS_PROFILE: 'ops' })?.region, 'eu-central-1');
    assert.equal(resolveRegion(undefined, { AWS_CONFIG_FILE: file, AWS_PROFILE: 'bare' }), undefined);
    assert.equal(resolveRegion(undefined, { AWS_CONFIG_FILE: file, AWS_PROFILE: 'missing' }), undefined);
    assert.equal(resolveRegion(undefined, { AWS_CONFIG_FILE: configFile('[profile default]\nregion = me-south-1\n') })?.region, 'me-south-1');
  });

  it('finds ~/.aws/config when AWS_CONFIG_FILE is not set', () => {
    const home = path.join(tmp, 'home');
    fs.mkdirSync(path.join(home, '.aws'), { recursive: true });
    fs.writeFileSync(path.join(home, '.aws', 'config'), '[default]\nregion = ca-central-1\n');
    const saved = { HOME: process.env.HOME, USERPROFILE: process.env.USERPROFILE };
    process.env.HOME = home;
    process.env.USERPROFILE = home;
    try {
      assert.deepEqual(resolveRegion(undefined, {}), { region: 'ca-central-1', source: 'config file' });
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('without any, names all four ways in the error', () => {
    const env = { AWS_CONFIG_FILE: path.join(tmp, 'no-such-config') };
    assert.equal(resolveRegion(undefined, env), undefined);
    assert.throws(() => requireRegion(undefined, env), (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.message, 'no AWS region configured');
      assert.equal(error.code, 'NoRegion');
      for (const way of ['--region', 'AWS_REGION', 'AWS_DEFAULT_REGION', '~/.aws/config']) assert.ok(error.hint?.includes(way), way);
      return true;
    });
  });
});

describe('commands resolve the region as the AWS CLI does', () => {
  let moto: Moto;
  let dir: string;
  /** Credentials and the endpoint, and no region from this machine. */
  let base: Record<string, string>;

  before(async () => {
    moto = await startMoto();
    dir = opsProject('ops-region');
    await deployAssembly(moto.endpoint, dir);
    base = { ...DUMMY_AWS_ENV, AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: '', AWS_DEFAULT_REGION: '', AWS_PROFILE: '', AWS_CONFIG_FILE: path.join(tmp, 'no-such-config') };
  });
  after(async () => {
    await moto?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails in one line naming every way to set a region when none is set', async () => {
    const result = await runCli(['promote', 'Ops/Hello'], dir, base);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `lambdakit: no AWS region configured\n  next: ${REGION_HINT}\n`);
  });

  it('uses AWS_DEFAULT_REGION, and the profile region of AWS_CONFIG_FILE', async () => {
    const byDefaultRegion = await runCli(['concurrency', 'Ops/Hello'], dir, { ...base, AWS_DEFAULT_REGION: 'us-east-1' });
    assert.equal(byDefaultRegion.code, 0, byDefaultRegion.stderr);
    // The SDK takes the credentials of AWS_PROFILE over those of the environment: the profile has them as well.
    const file = configFile('[profile ops]\nregion = us-east-1\naws_access_key_id = test\naws_secret_access_key = test\n');
    const profileEnv = { ...base, AWS_CONFIG_FILE: file, AWS_PROFILE: 'ops', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SHARED_CREDENTIALS_FILE: path.join(tmp, 'no-such-credentials') };
    const byProfile = await runCli(['concurrency', 'Ops/Hello'], dir, profileEnv);
    assert.equal(byProfile.code, 0, byProfile.stderr);
  });

  it('lets --region win over the environment', async () => {
    const result = await runCli(['concurrency', 'Ops/Hello', '--region', 'eu-west-1'], dir, { ...base, AWS_REGION: 'us-east-1' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^lambdakit: stack Ops is not deployed at /);
  });
});
