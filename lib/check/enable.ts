import * as fs from 'node:fs';
import * as path from 'node:path';
import { type IPolicyValidationContext, type IPolicyValidationPlugin, type PolicyValidationPluginReport, Stage, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** File a checked synth leaves in the assembly, so `lambdakit check` knows the packs ran. */
export const CHECKS_MARKER_FILE = 'lambdakit-checks.json';
/** Context key `lambdakit check` sets to `true` for the synth; lambdakit's constructs then enable the checks. */
export const CHECKS_CONTEXT = 'lambdakit:checks';

const enabled = new WeakSet<IConstruct>();

/** Records that the checks ran, next to the templates they ran on. */
class ChecksMarker implements IPolicyValidationPlugin {
  public readonly name = 'lambdakit';
  constructor(private readonly packs: string[]) {}
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const dirs = new Set(context.templatePaths.map((p) => path.dirname(p)));
    for (const dir of dirs) {
      fs.writeFileSync(path.join(dir, CHECKS_MARKER_FILE), `${JSON.stringify({ packs: this.packs, templates: context.templatePaths.map((p) => path.basename(p)).sort() }, null, 2)}\n`);
    }
    return { success: true, violations: [] };
  }
}

/**
 * Runs cdk-nag's AwsSolutions and Serverless packs on every synth of the app.
 * In cdk-nag 3 an unacknowledged finding, warning or error, fails synth.
 */
export function enableChecks(app: IConstruct): void {
  const root = app.node.root;
  if (enabled.has(root)) return;
  if (!Stage.isStage(root)) return;
  enabled.add(root);
  // Loaded here, not at the top, so that apps that never check do not pay for cdk-nag.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AwsSolutionsChecks, ServerlessChecks } = require('cdk-nag') as typeof import('cdk-nag');
  const packs = [new AwsSolutionsChecks(root), new ServerlessChecks(root)];
  Validations.of(root).addPlugins(...packs, new ChecksMarker(packs.map((p) => p.name)));
}
