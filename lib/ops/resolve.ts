import { ListStackResourcesCommand, type StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { GetFunctionCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import type { FunctionModel, StackModel, TemplateValue } from '../assembly/model';
import { findFunction, referencedLogicalId } from '../assembly/read';
import { LambdakitError, isLambdakitError } from '../errors';
import type { OpsContext } from './context';

/** A function of the account, named by the user either by construct path or by function name. */
export interface DeployedFunction {
  /** What to call it in output: the construct path when the assembly knows it, else the function name. */
  readonly label: string;
  /** The physical function name in the account. */
  readonly functionName: string;
  /** The function in the assembly, when it came from there. */
  readonly model?: FunctionModel;
  readonly stack?: StackModel;
}

const stackResources = new WeakMap<OpsContext, Map<string, Promise<StackResourceSummary[]>>>();

/** Every resource of a deployed stack (ListStackResources, all pages), cached per command run. */
export function listStackResources(ops: OpsContext, stackName: string): Promise<StackResourceSummary[]> {
  let cache = stackResources.get(ops);
  if (!cache) stackResources.set(ops, (cache = new Map()));
  let pending = cache.get(stackName);
  if (!pending) {
    pending = (async () => {
      const all: StackResourceSummary[] = [];
      let token: string | undefined;
      do {
        const page = await ops
          .call('cloudformation', 'ListStackResources', `stack ${stackName}`, () => ops.cloudFormation.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: token })))
          .catch((error: unknown) => {
            const cause = isLambdakitError(error) ? (error.cause as Error | undefined) : undefined;
            if (cause?.name === 'ValidationError' && /does not exist/i.test(cause.message)) {
              throw new LambdakitError(`stack ${stackName} is not deployed at ${ops.endpointOf('cloudformation')}`, {
                code: 'StackNotDeployed',
                cause: error,
                hint: `run \`cdk deploy ${stackName}\`, or point --region / --endpoint-url at the account it is deployed to`,
              });
            }
            throw error;
          });
        all.push(...(page.StackResourceSummaries ?? []));
        token = page.NextToken;
      } while (token);
      return all;
    })();
    cache.set(stackName, pending);
  }
  return pending;
}

/** The physical id of a resource of a deployed stack. */
export async function physicalIdOf(ops: OpsContext, stack: StackModel, logicalId: string, label: string): Promise<string> {
  const resources = await listStackResources(ops, stack.stackName);
  const found = resources.find((r) => r.LogicalResourceId === logicalId);
  if (!found?.PhysicalResourceId) {
    throw new LambdakitError(`deployed stack ${stack.stackName} has no resource ${logicalId}`, {
      code: 'ResourceNotDeployed',
      path: label,
      hint: `deploy the current app (\`cdk deploy ${stack.stackName}\`) so that the stack matches ${ops.options.app}`,
    });
  }
  return found.PhysicalResourceId;
}

/** The tag lambdakit's local Lambda API puts on the functions it serves (`lambdakit local`, `dev`). */
const LOCAL_CONSTRUCT_PATH_TAG = 'lambdakit:construct-path';

/** Whether the Lambda endpoint is lambdakit's local runtime serving this function under its local name. */
async function servedLocally(ops: OpsContext, model: FunctionModel): Promise<boolean> {
  try {
    const got = await ops.lambda.send(new GetFunctionCommand({ FunctionName: model.functionName }));
    return got.Tags?.[LOCAL_CONSTRUCT_PATH_TAG] === model.constructPath;
  } catch {
    return false;
  }
}

/** Resolves one function of the assembly to its deployed name. */
export async function resolveModel(ops: OpsContext, model: FunctionModel): Promise<DeployedFunction> {
  const stack = ops.assembly()?.stacks.find((s) => s.stackName === model.stackName);
  const functionName =
    model.hasPhysicalName || !stack
      ? model.functionName
      : await physicalIdOf(ops, stack, model.logicalId, model.constructPath).catch(async (error: unknown) => {
          // `lambdakit local` and `dev` have no CloudFormation: they serve the function under the name the assembly gives it.
          if (isLambdakitError(error) && error.code === 'UnsupportedOperation' && (await servedLocally(ops, model))) return model.functionName;
          throw error;
        });
  return { label: model.constructPath, functionName, model, stack };
}

/**
 * Turns what the user typed into a deployed function: a construct path (or
 * logical id) of the assembly is looked up in its stack; anything else is
 * taken as a function name or ARN.
 */
export async function resolveFunction(ops: OpsContext, name: string): Promise<DeployedFunction> {
  const assembly = ops.assembly();
  const model = assembly ? findFunction(assembly, name) : undefined;
  if (model) return resolveModel(ops, model);
  // Function names cannot contain '/', so this was meant as a construct path.
  if (name.includes('/') && !name.startsWith('arn:')) {
    const known = assembly?.functions.map((f) => f.constructPath) ?? [];
    throw new LambdakitError(
      assembly ? `no function at construct path ${name} in ${ops.options.app}` : `${name} looks like a construct path, but there is no assembly at ${ops.options.app}`,
      {
        code: 'UnknownFunction',
        hint: assembly ? `functions of the assembly: ${known.join(', ') || 'none'}` : 'run `npx cdk synth` (or pass --app <assembly dir>), or give the function name',
      },
    );
  }
  return { label: name, functionName: name };
}

/** A hint for a function the Lambda API does not know. */
export function notFoundError(ops: OpsContext, fn: DeployedFunction, error: unknown): unknown {
  if (isLambdakitError(error) && error.code === 'ResourceNotFound') {
    const how = fn.model ? `${fn.label} resolved to ${fn.functionName} through stack ${fn.model.stackName}` : `${fn.functionName} is not a construct path of ${ops.options.app}`;
    return new LambdakitError(`no function ${fn.functionName} at ${ops.endpointOf('lambda')} (${how})`, {
      code: 'FunctionNotFound',
      cause: error,
      hint: fn.model ? 'deploy the app again' : 'give a construct path (e.g. Api/Hello) or a deployed function name; --region picks the region',
    });
  }
  return error;
}

/**
 * The function's CloudWatch log group: the template's LoggingConfig.LogGroup
 * (a Ref resolved through the stack), else what Lambda reports, else `/aws/lambda/<name>`.
 */
export async function resolveLogGroup(ops: OpsContext, fn: DeployedFunction): Promise<string> {
  const fromTemplate: TemplateValue | undefined = fn.model?.logGroup;
  if (typeof fromTemplate === 'string') return fromTemplate;
  const logicalId = referencedLogicalId(fromTemplate);
  if (logicalId && fn.stack) return physicalIdOf(ops, fn.stack, logicalId, fn.label);
  const config = await ops
    .call('lambda', 'GetFunctionConfiguration', `function ${fn.functionName}`, () => ops.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn.functionName })))
    .catch((error: unknown) => {
      throw notFoundError(ops, fn, error);
    });
  return config.LoggingConfig?.LogGroup ?? `/aws/lambda/${config.FunctionName ?? fn.functionName}`;
}
