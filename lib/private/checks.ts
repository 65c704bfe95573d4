import type { IConstruct } from 'constructs';
import { CHECKS_CONTEXT, enableChecks } from '../check/enable';

const decided = new WeakSet<IConstruct>();

/**
 * Called by every lambdakit construct: the first one created in an App reads
 * the `lambdakit:checks` context key (set by `lambdakit check`) and, when it is
 * true, enables the checks on the App. Nothing happens at import time, and an
 * app without the key gets no checks.
 */
export function applyChecksFromContext(scope: IConstruct): void {
  const root = scope.node.root;
  if (decided.has(root)) return;
  decided.add(root);
  const value: unknown = root.node.tryGetContext(CHECKS_CONTEXT);
  // `-c lambdakit:checks=true` arrives as a string, CDK_CONTEXT_JSON as a boolean.
  if (value === true || value === 'true') enableChecks(root);
}
