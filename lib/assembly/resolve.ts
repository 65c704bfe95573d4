import type { AssemblyModel, ResourceModel, StackModel, TemplateValue } from './model';
import { isNamedType, localName, resourceModelOf, type DataResourceModel, type NamingContext } from './resources';

/** Where the assembly is imagined to run: the values of the pseudo parameters. */
export interface LocalAccount {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** @default 'aws' */
  readonly partition?: string;
}

/**
 * Known physical values of a resource, e.g. what a local service returned on
 * creation (a queue URL, a table's stream ARN). They win over the derived ones.
 */
export interface ResourceValues {
  /** What `{ Ref }` gives. */
  readonly ref?: string;
  /** What `{ Fn::GetAtt: [id, attr] }` gives, by attribute name. */
  readonly attributes?: { readonly [attribute: string]: string };
}

/**
 * Property holding the physical name of the types lib/assembly/resources.ts does not model
 * (tables, queues, topics, streams, buses, buckets, rules and schedules are named there).
 */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::SSM::Parameter': 'Name',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::Lambda::LayerVersion': 'LayerName',
};

/**
 * Turns template values (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`,
 * `Fn::Select`, `Fn::Split`, `Fn::ImportValue`, pseudo parameters) into the
 * values they would have locally. Tables, queues, topics, streams, buses, buckets,
 * rules and schedules resolve to the name, ARN and URL of their model
 * (lib/assembly/resources.ts, the one place that names them); other resources
 * are named by the template, else `<stack>-<logicalId>`; ARNs follow each
 * service's format. A value that cannot be known locally resolves to
 * `undefined`, and the caller says so.
 */
export class TemplateResolver implements NamingContext {
  public readonly region: string;
  public readonly accountId: string;
  public readonly partition: string;
  private readonly known = new Map<string, ResourceValues>();

  constructor(
    private readonly assembly: AssemblyModel,
    account: LocalAccount = {},
  ) {
    this.region = account.region ?? 'us-east-1';
    this.accountId = account.accountId ?? '123456789012';
    this.partition = account.partition ?? 'aws';
  }

  /** Records real values of a resource (e.g. returned by a local service). */
  public setKnown(stackName: string, logicalId: string, values: ResourceValues): void {
    const key = `${stackName}/${logicalId}`;
    const previous = this.known.get(key) ?? {};
    this.known.set(key, { ref: values.ref ?? previous.ref, attributes: { ...previous.attributes, ...values.attributes } });
  }

  /** The physical name a resource gets locally. */
  public physicalName(resource: ResourceModel): string {
    if (isNamedType(resource.type)) return localName(resource, this);
    const property = NAME_PROPERTY[resource.type];
    const named = property ? resource.properties[property] : undefined;
    if (typeof named === 'string') return named;
    if (named !== undefined) {
      const resolved = this.resolve(resource.stackName, named);
      if (typeof resolved === 'string') return resolved;
    }
    if (resource.type === 'AWS::Lambda::Function') {
      const fn = this.assembly.functions.find((f) => f.stackName === resource.stackName && f.logicalId === resource.logicalId);
      if (fn) return fn.functionName;
    }
    return `${resource.stackName}-${resource.logicalId}`.slice(0, 140);
  }

  /** Resolves a value in the context of a stack. Strings and numbers come back as strings. */
  public resolve(stackName: string, value: TemplateValue | undefined): string | undefined {
    const result = this.evaluate(this.stack(stackName), value);
    if (result === undefined || result === null) return undefined;
    if (Array.isArray(result)) return result.join(',');
    return typeof result === 'object' ? undefined : String(result);
  }

  /** Resolves every value of a map; unresolved names are listed rather than dropped silently. */
  public resolveMap(stackName: string, values: { readonly [name: string]: TemplateValue }): { values: Record<string, string>; unresolved: string[] } {
    const resolved: Record<string, string> = {};
    const unresolved: string[] = [];
    for (const name of Object.keys(values).sort()) {
      const value = this.resolve(stackName, values[name]);
      if (value === undefined) unresolved.push(name);
      else resolved[name] = value;
    }
    return { values: resolved, unresolved };
  }

  /** The ARN of a resource as it would be locally. */
  public arn(resource: ResourceModel): string | undefined {
    const known = this.known.get(`${resource.stackName}/${resource.logicalId}`)?.attributes?.Arn;
    if (known) return known;
    const model = resourceModelOf(resource, this);
    if (model) return model.arn;
    const name = this.physicalName(resource);
    const { partition: p, region: r, accountId: a } = this;
    switch (resource.type) {
      case 'AWS::Lambda::Function':
        return `arn:${p}:lambda:${r}:${a}:function:${name}`;
      case 'AWS::Logs::LogGroup':
        return `arn:${p}:logs:${r}:${a}:log-group:${name}:*`;
      case 'AWS::IAM::Role':
        return `arn:${p}:iam::${a}:role/${name}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:${p}:states:${r}:${a}:stateMachine:${name}`;
      case 'AWS::SecretsManager::Secret':
        return `arn:${p}:secretsmanager:${r}:${a}:secret:${name}`;
      case 'AWS::SSM::Parameter':
        return `arn:${p}:ssm:${r}:${a}:parameter/${name.replace(/^\//, '')}`;
      default:
        return undefined;
    }
  }

  private stack(stackName: string): StackModel {
    const stack = this.assembly.stacks.find((s) => s.stackName === stackName);
    if (!stack) throw new Error(`no stack ${stackName} in the assembly`);
    return stack;
  }

  private resource(stack: StackModel, logicalId: string): ResourceModel | undefined {
    return stack.resources.find((r) => r.logicalId === logicalId);
  }

  private ref(stack: StackModel, logicalId: string): string | undefined {
    switch (logicalId) {
      case 'AWS::Region':
        return this.region;
      case 'AWS::AccountId':
        return this.accountId;
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack.stackName;
      case 'AWS::StackId':
        return `arn:${this.partition}:cloudformation:${this.region}:${this.accountId}:stack/${stack.stackName}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::NoValue':
        return undefined;
    }
    const known = this.known.get(`${stack.stackName}/${logicalId}`)?.ref;
    if (known) return known;
    const resource = this.resource(stack, logicalId);
    if (!resource) return undefined;
    const model = resourceModelOf(resource, this);
    if (model) return modelRef(model);
    switch (resource.type) {
      // Types whose Ref is an ARN rather than the name.
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::SecretsManager::Secret':
        return this.arn(resource);
      case 'AWS::Lambda::Alias': {
        const fn = this.evaluate(stack, resource.properties.FunctionName);
        const name = resource.properties.Name;
        return typeof fn === 'string' && typeof name === 'string' ? `${this.functionArnOf(fn)}:${name}` : undefined;
      }
      case 'AWS::Lambda::Version':
        return undefined;
      default:
        return this.physicalName(resource);
    }
  }

  private functionArnOf(nameOrArn: string): string {
    return nameOrArn.startsWith('arn:') ? nameOrArn : `arn:${this.partition}:lambda:${this.region}:${this.accountId}:function:${nameOrArn}`;
  }

  private getAtt(stack: StackModel, logicalId: string, attribute: string): string | undefined {
    const known = this.known.get(`${stack.stackName}/${logicalId}`)?.attributes?.[attribute];
    if (known) return known;
    const resource = this.resource(stack, logicalId);
    if (!resource) return undefined;
    const model = resourceModelOf(resource, this);
    if (model) return modelAttribute(model, attribute);
    const name = this.physicalName(resource);
    switch (attribute) {
      case 'Arn':
        if (resource.type === 'AWS::Lambda::Alias' || resource.type === 'AWS::Lambda::Version') return undefined;
        return this.arn(resource);
      case 'QueueName':
      case 'TopicName':
      case 'Name':
        return name;
      case 'QueueUrl':
        return this.ref(stack, logicalId);
      case 'DomainName':
        return `${name}.s3.amazonaws.com`;
      case 'RegionalDomainName':
        return `${name}.s3.${this.region}.amazonaws.com`;
      case 'TopicArn':
        return this.arn(resource);
      default:
        // StreamArn, Version and the like only exist once a service created the resource.
        return undefined;
    }
  }

  private evaluate(stack: StackModel, value: TemplateValue | undefined): TemplateValue | undefined {
    if (value === undefined || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
      const items = value.map((v) => this.evaluate(stack, v));
      return items.some((v) => v === undefined) ? undefined : (items as TemplateValue[]);
    }
    const keys = Object.keys(value);
    if (keys.length !== 1) return undefined;
    const [fn] = keys;
    const arg = value[fn];
    switch (fn) {
      case 'Ref':
        return typeof arg === 'string' ? this.ref(stack, arg) : undefined;
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? arg : typeof arg === 'string' ? arg.split('.') : [];
        return typeof id === 'string' && typeof attribute === 'string' ? this.getAtt(stack, id, attribute) : undefined;
      }
      case 'Fn::Join': {
        if (!Array.isArray(arg) || typeof arg[0] !== 'string') return undefined;
        const parts = this.evaluate(stack, arg[1]);
        return Array.isArray(parts) ? parts.map(String).join(arg[0]) : undefined;
      }
      case 'Fn::Select': {
        if (!Array.isArray(arg)) return undefined;
        const index = Number(this.evaluate(stack, arg[0]));
        const list = this.evaluate(stack, arg[1]);
        return Array.isArray(list) && Number.isInteger(index) ? list[index] : undefined;
      }
      case 'Fn::Split': {
        if (!Array.isArray(arg) || typeof arg[0] !== 'string') return undefined;
        const source = this.evaluate(stack, arg[1]);
        return typeof source === 'string' ? source.split(arg[0]) : undefined;
      }
      case 'Fn::Sub':
        return this.sub(stack, arg);
      case 'Fn::ImportValue': {
        const exportName = this.evaluate(stack, arg);
        return typeof exportName === 'string' ? this.importValue(exportName) : undefined;
      }
      default:
        return undefined;
    }
  }

  private sub(stack: StackModel, arg: TemplateValue): string | undefined {
    const [template, variables] = Array.isArray(arg) ? [arg[0], arg[1] as Record<string, TemplateValue> | undefined] : [arg, undefined];
    if (typeof template !== 'string') return undefined;
    let failed = false;
    const out = template.replace(/\$\{([^}!][^}]*)\}/g, (_, expression: string) => {
      let resolved: TemplateValue | undefined;
      if (variables && expression in variables) resolved = this.evaluate(stack, variables[expression]);
      else if (expression.includes('.') && !expression.startsWith('AWS::')) {
        const [id, ...rest] = expression.split('.');
        resolved = this.getAtt(stack, id, rest.join('.'));
      } else resolved = this.ref(stack, expression);
      if (resolved === undefined || typeof resolved === 'object') {
        failed = true;
        return '';
      }
      return String(resolved);
    });
    return failed ? undefined : out.replace(/\$\{!/g, '${');
  }

  /** Finds the stack output exported under a name and resolves it in its own stack. */
  private importValue(exportName: string): TemplateValue | undefined {
    for (const stack of this.assembly.stacks) {
      const outputs = (stack.template.Outputs ?? {}) as Record<string, { Value?: TemplateValue; Export?: { Name?: TemplateValue } }>;
      for (const output of Object.values(outputs)) {
        if (output.Export?.Name === undefined) continue;
        if (this.evaluate(stack, output.Export.Name) === exportName) return this.evaluate(stack, output.Value);
      }
    }
    return undefined;
  }
}

/** What `{ Ref }` of a modelled resource gives: a topic's ARN, a queue's URL, the others' name. */
function modelRef(model: DataResourceModel): string {
  if (model.type === 'AWS::SNS::Topic') return model.arn;
  if (model.type === 'AWS::SQS::Queue') return model.url;
  return model.name;
}

/** What `{ Fn::GetAtt }` of a modelled resource gives; attributes only a service knows (a table's StreamArn) are undefined. */
function modelAttribute(model: DataResourceModel, attribute: string): string | undefined {
  switch (attribute) {
    case 'Arn':
    case 'TopicArn':
      return model.arn;
    case 'QueueName':
    case 'TopicName':
    case 'Name':
      return model.name;
    case 'QueueUrl':
      return model.type === 'AWS::SQS::Queue' ? model.url : undefined;
    case 'DomainName':
      return model.type === 'AWS::S3::Bucket' ? model.domainName : undefined;
    case 'RegionalDomainName':
      return model.type === 'AWS::S3::Bucket' ? model.regionalDomainName : undefined;
    default:
      return undefined;
  }
}
