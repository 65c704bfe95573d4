import { Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import { LambdakitError } from '../errors';

/**
 * The function side a trigger binds to. `LambdaFunction` implements it; the
 * interface keeps `lib/triggers` free of a dependency cycle on the construct.
 */
export interface TriggerTarget extends IConstruct {
  /** The alias every trigger invokes, so traffic shifting and provisioned concurrency apply to all sources. */
  readonly alias: lambda.IAlias;
  /** The function's timeout (queue visibility and retry checks compare against it). */
  readonly timeout?: Duration;
  addToRolePolicy(statement: iam.PolicyStatement): void;
}

/**
 * Something that invokes a function. `bind` creates the source's side (mapping,
 * subscription, rule, route, permission) and grants exactly what the source
 * needs. Triggers are added with `LambdaFunction.addTrigger` or the `triggers` prop.
 */
export interface ITrigger {
  bind(target: TriggerTarget): void;
}

/** Where failed records of a stream (or events of a rule) go. FIFO queues are rejected: Lambda cannot send to them. */
export type FailureDestination = sqs.IQueue | sns.ITopic;

/** A construct id under `scope` that is not taken yet, derived from `base`. */
export function uniqueId(scope: Construct, base: string): string {
  const clean = base.replace(/[^A-Za-z0-9]/g, '') || 'Trigger';
  let id = clean;
  for (let n = 2; scope.node.tryFindChild(id); n++) id = `${clean}${n}`;
  return id;
}

/** A readable id for a source construct (its id, or its unique name when ids are generic). */
export function sourceName(source: IConstruct): string {
  const id = source.node.id;
  return id === 'Resource' || id === 'Default' ? Names.uniqueId(source) : id;
}

/** Collects option problems of one trigger and throws them together, naming the construct. */
export class OptionChecks {
  private readonly problems: string[] = [];
  private readonly codes: string[] = [];

  constructor(private readonly path: string, private readonly trigger: string) {}

  /** An integer option within [min, max]; tokens are not checked. */
  range(name: string, value: number | undefined, min: number, max: number, unit = ''): this {
    if (value === undefined || Token.isUnresolved(value)) return this;
    if (!Number.isInteger(value) || value < min || value > max) {
      this.fail('OptionOutOfRange', `${name} ${value}${unit} is outside ${min}-${max}${unit}`);
    }
    return this;
  }

  /** A duration option within [min, max] seconds. */
  seconds(name: string, value: Duration | undefined, min: number, max: number): this {
    if (value === undefined || value.isUnresolved()) return this;
    return this.range(name, value.toSeconds(), min, max, ' s');
  }

  fail(code: string, problem: string): this {
    this.codes.push(code);
    this.problems.push(problem);
    return this;
  }

  throwIfAny(): void {
    if (this.problems.length === 0) return;
    throw new LambdakitError(`${this.trigger}: ${this.problems.join('; ')}`, {
      code: this.codes.length === 1 ? this.codes[0] : 'TriggerOptionsInvalid',
      path: this.path,
    });
  }
}

/** True when the queue is known to be FIFO (a lambdakit or aws-cdk-lib queue, or an imported `.fifo` ARN). */
export function isFifoQueue(queue: sqs.IQueue): boolean {
  if (queue.fifo) return true;
  return !Token.isUnresolved(queue.queueArn) && queue.queueArn.endsWith('.fifo');
}

function isQueue(destination: FailureDestination): destination is sqs.IQueue {
  return (destination as sqs.IQueue).queueArn !== undefined;
}

/**
 * Turns an on-failure destination into the mapping's destination config and
 * grants the function's role the single send action on it. FIFO queues are
 * rejected by name: Lambda cannot deliver failure records to them.
 */
export function bindFailureDestination(target: TriggerTarget, destination: FailureDestination, checks: OptionChecks): lambda.IEventSourceDlq {
  if (isQueue(destination)) {
    if (isFifoQueue(destination)) {
      checks.fail('FifoFailureDestination', `onFailure queue ${destination.node.path} is a FIFO queue, which cannot receive failure records; use a standard queue`);
    }
    const arn = destination.queueArn;
    return {
      bind: () => {
        target.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [arn] }));
        return { destination: arn };
      },
    };
  }
  if (destination.fifo) {
    checks.fail('FifoFailureDestination', `onFailure topic ${destination.node.path} is a FIFO topic, which cannot receive failure records; use a standard topic`);
  }
  const arn = destination.topicArn;
  return {
    bind: () => {
      target.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [arn] }));
      return { destination: arn };
    },
  };
}

/**
 * A resource-based permission on the alias for one service principal and one
 * source ARN, created in `scope` (the stack that already references the
 * function, so that no reference points back across stacks).
 */
export function allowInvoke(scope: Construct, id: string, target: TriggerTarget, principal: string, sourceArn: string, sourceAccount?: string): lambda.CfnPermission {
  return new lambda.CfnPermission(scope, id, {
    action: 'lambda:InvokeFunction',
    functionName: target.alias.functionArn,
    principal,
    sourceArn,
    sourceAccount: sourceAccount ?? (principal === 's3.amazonaws.com' ? Stack.of(scope).account : undefined),
  });
}

/** The default when a trigger leaves `startingPosition`-like enums unset, kept in one spot for docs. */
export const STREAM_DEFAULTS = {
  batchSize: 100,
  maxRetryAttempts: 3,
  maxRecordAge: Duration.hours(1),
  bisectBatchOnError: true,
  parallelizationFactor: 1,
} as const;
