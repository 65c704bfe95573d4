import { RegoEngine, TemplateFile } from '@aws/cloudformation-validate';

export interface TemplateDiagnostic {
  readonly ruleId: string;
  readonly severity: 'FATAL' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG';
  readonly message: string;
  readonly logicalId?: string;
  readonly propertyPath?: string;
  readonly line?: number;
}

/**
 * Validates templates with AWS's offline validator (@aws/cloudformation-validate).
 * One engine serves every template (its start-up is the expensive part) and is
 * freed afterwards.
 */
export function validateTemplates(templateFiles: string[], minimumSeverity: 'INFO' | 'WARN' = 'WARN'): Map<string, TemplateDiagnostic[]> {
  const results = new Map<string, TemplateDiagnostic[]>();
  if (templateFiles.length === 0) return results;
  const engine = new RegoEngine();
  try {
    for (const file of templateFiles) {
      const report = engine.validateStandard(new TemplateFile(file), { severityLevel: minimumSeverity });
      results.set(
        file,
        report.diagnostics.map((d) => ({
          ruleId: d.ruleId,
          severity: d.severity as TemplateDiagnostic['severity'],
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
