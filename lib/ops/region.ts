import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LambdakitError } from '../errors';

/** Where a region came from, in the words a user would search for. */
export type RegionSource = '--region' | 'AWS_REGION' | 'AWS_DEFAULT_REGION' | 'config file';

export interface ResolvedRegion {
  readonly region: string;
  readonly source: RegionSource;
}

/** The four ways to give a region, in the order they are looked at; the no-region error names them all. */
export const REGION_HINT = 'pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or put region = ... in the profile of ~/.aws/config (AWS_PROFILE, else [default])';

/**
 * The region as the AWS CLI picks it: `--region`, `AWS_REGION`,
 * `AWS_DEFAULT_REGION`, then `region` of the profile (`AWS_PROFILE`, else
 * `default`) in the config file (`AWS_CONFIG_FILE`, else ~/.aws/config).
 * The SDK for JavaScript v3 alone skips `AWS_DEFAULT_REGION`, hence this.
 */
export function resolveRegion(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedRegion | undefined {
  if (flag) return { region: flag, source: '--region' };
  if (env.AWS_REGION) return { region: env.AWS_REGION, source: 'AWS_REGION' };
  if (env.AWS_DEFAULT_REGION) return { region: env.AWS_DEFAULT_REGION, source: 'AWS_DEFAULT_REGION' };
  const file = env.AWS_CONFIG_FILE || path.join(os.homedir(), '.aws', 'config');
  const region = profileRegion(file, env.AWS_PROFILE || 'default');
  return region ? { region, source: 'config file' } : undefined;
}

/** `resolveRegion`, or one error that names every way to set a region. */
export function requireRegion(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const resolved = resolveRegion(flag, env);
  if (resolved) return resolved.region;
  throw new LambdakitError('no AWS region configured', { code: 'NoRegion', hint: REGION_HINT });
}

/** `region` of one profile in an AWS config file; undefined when the file, the profile or the key is absent. */
function profileRegion(file: string, profile: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  // The config file names profiles `[profile name]`; the default one is `[default]` (the CLI also accepts `[profile default]`).
  const wanted = profile === 'default' ? ['default', 'profile default'] : [`profile ${profile}`];
  let inProfile = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s[#;].*$/, '');
    if (/^\s*[#;]/.test(line) || line.trim() === '') continue;
    const section = /^\s*\[\s*(.+?)\s*\]\s*$/.exec(line);
    if (section) {
      inProfile = wanted.includes(section[1].replace(/\s+/g, ' '));
      continue;
    }
    // Indented lines continue a nested setting (e.g. `s3 =`), whose keys are not the profile's.
    if (!inProfile || /^\s/.test(line)) continue;
    const pair = /^([^=]+?)\s*=\s*(.*?)\s*$/.exec(line);
    if (pair && pair[1] === 'region' && pair[2]) return pair[2];
  }
  return undefined;
}
