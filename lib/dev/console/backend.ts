import type { FunctionModel, TemplateValue } from '../../assembly/model';
import type { AppResources } from '../../assembly/resources';
import type { AppWiring } from '../../assembly/triggers';
import type { InvocationOutcome } from '../../local';
import type { ProvisionedResource, ServiceClients } from '../services';

/**
 * What the console needs of a running `lambdakit dev`: the app's model, its functions'
 * live state, a way to invoke them, and the local services. DevServer builds one; the
 * console depends on this interface only, so the two modules do not import each other.
 */
export interface ConsoleBackend {
  readonly functions: readonly FunctionModel[];
  readonly resources: AppResources;
  readonly wiring: AppWiring;
  /** What the local services reported for each resource (queue URLs, ARNs). */
  readonly provisioned: readonly ProvisionedResource[];
  readonly clients: ServiceClients;
  /** A template value of a stack as a local string (an ARN), or undefined. */
  resolve(stackName: string, value: TemplateValue | undefined): string | undefined;
  /** Environments running for a function now (warm or busy). */
  environmentsOf(fn: FunctionModel): number;
  /** RequestResponse invocation, waiting for an environment when all are busy. */
  invoke(functionPath: string, qualifier: string | undefined, payload: Buffer, trigger: string): Promise<InvocationOutcome>;
  /** Event invocation through the runtime's asynchronous queue (retries, dead-letter queue); returns its request id. */
  invokeAsync(functionPath: string, qualifier: string | undefined, payload: Buffer, trigger: string): string;
}
