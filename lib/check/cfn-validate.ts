import { createRequire } from 'node:module';
import type * as CfnValidate from 'aws-cdk-lib/node_modules/@aws/cloudformation-validate';

export interface TemplateDiagnostic {
  readonly ruleId: string;
  readonly severity: 'FATAL' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG';
  readonly message: string;
  readonly logicalId?: string;
  readonly propertyPath?: string;
  readonly line?: number;
}

/**
 * The validator aws-cdk-lib bundles and runs on every synth. It is not
 * published to npm in that version, and loading aws-cdk-lib's copy keeps
 * `lambdakit check` and synth on one engine whenever aws-cdk-lib is upgraded.
 */
function loadValidator(): typeof CfnValidate {
  const requireFromCdk = createRequire(require.resolve('aws-cdk-lib/package.json'));
  return requireFromCdk('@aws/cloudformation-validate') as typeof CfnValidate;
}

/**
 * Validates templates with AWS's offline validator (@aws/cloudformation-validate).
 * One engine serves every template (its start-up is the expensive part) and is
 * freed afterwards.
 */
export function validateTemplates(templateFiles: string[], minimumSeverity: 'INFO' | 'WARN' = 'WARN'): Map<string, TemplateDiagnostic[]> {
  const results = new Map<string, TemplateDiagnostic[]>();
  if (templateFiles.length === 0) return results;
  const { RegoEngine, TemplateFile } = loadValidator();
  const engine = new RegoEngine();
  try {
    for (const file of templateFiles) {
      const report = engine.validateTemplate(new TemplateFile(file), { detailLevel: 'STANDARD', severityLevel: minimumSeverity });
      results.set(
        file,
        report.diagnostics.map((d) => ({
          ruleId: d.ruleId,
          severity: d.severity,
          message: d.message,
          logicalId: d.entity?.logicalId,
          propertyPath: d.propertyPath,
          line: d.startLine,
        })),
      );
    }
  } finally {
    engine.free();
  }
  return results;
}
