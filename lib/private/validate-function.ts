import { type Duration, Token } from 'aws-cdk-lib';
import type { ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import { LambdakitError } from '../errors';

/** Lambda's limits, as the service documents them. */
export const LIMITS = {
  memoryMb: { min: 128, max: 10_240 },
  timeoutSeconds: { min: 1, max: 900 },
  ephemeralStorageMb: { min: 512, max: 10_240 },
  environmentBytes: 4_096,
  layers: 5,
  retryAttempts: { min: 0, max: 2 },
  maxEventAgeSeconds: { min: 60, max: 21_600 },
} as const;

export interface FunctionLimitsInput {
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly ephemeralStorageSize: number;
  readonly environment: { readonly [name: string]: string };
  readonly layers: readonly ILayerVersion[];
  readonly provisionedConcurrency?: number;
  readonly reservedConcurrency?: number;
  readonly retryAttempts?: number;
  readonly maxEventAge?: Duration;
  readonly scaling?: { readonly minCapacity: number; readonly maxCapacity: number; readonly utilizationTarget?: number };
}

interface Violation {
  readonly code: string;
  readonly text: string;
  readonly value: unknown;
  readonly limit: string;
}

/**
 * Checks a function's settings against Lambda's limits before anything is
 * synthesized. Values only known at deploy time (tokens) are skipped. Every
 * violation is collected so that one synth names them all.
 */
export function validateFunctionProps(constructPath: string, input: FunctionLimitsInput): void {
  const violations: Violation[] = [];
  const known = (value: number | undefined): value is number => value !== undefined && !Token.isUnresolved(value);

  if (known(input.memorySize) && (input.memorySize < LIMITS.memoryMb.min || input.memorySize > LIMITS.memoryMb.max || !Number.isInteger(input.memorySize))) {
    violations.push({ code: 'MemoryOutOfRange', text: `memorySize ${input.memorySize} MB is outside 128-10,240 MB`, value: input.memorySize, limit: '128-10240 MB' });
  }
  if (!input.timeout.isUnresolved()) {
    const seconds = input.timeout.toMilliseconds() / 1000;
    if (seconds > LIMITS.timeoutSeconds.max) {
      violations.push({ code: 'TimeoutTooLong', text: `timeout ${seconds} s is over the 900 s (15 minute) maximum`, value: seconds, limit: '900 s' });
    } else if (seconds < LIMITS.timeoutSeconds.min || !Number.isInteger(seconds)) {
      violations.push({ code: 'TimeoutInvalid', text: `timeout ${seconds} s must be a whole number of seconds, at least 1`, value: seconds, limit: '1-900 s' });
    }
  }
  if (known(input.ephemeralStorageSize) && (input.ephemeralStorageSize < LIMITS.ephemeralStorageMb.min || input.ephemeralStorageSize > LIMITS.ephemeralStorageMb.max)) {
    violations.push({
      code: 'EphemeralStorageOutOfRange',
      text: `ephemeralStorageSize ${input.ephemeralStorageSize} MB is outside 512-10,240 MB`,
      value: input.ephemeralStorageSize,
      limit: '512-10240 MB',
    });
  }
  const envNames = Object.keys(input.environment);
  if (!envNames.some((name) => Token.isUnresolved(input.environment[name]))) {
    // Lambda counts the names and values of all variables together.
    const bytes = envNames.reduce((sum, name) => sum + Buffer.byteLength(name) + Buffer.byteLength(input.environment[name]), 0);
    if (bytes > LIMITS.environmentBytes) {
      violations.push({
        code: 'EnvironmentTooLarge',
        text: `environment variables take ${bytes} bytes, over Lambda's 4 KB (4,096 bytes) for names and values together`,
        value: bytes,
        limit: '4096 bytes',
      });
    }
  }
  if (input.layers.length > LIMITS.layers) {
    violations.push({ code: 'TooManyLayers', text: `${input.layers.length} layers attached, Lambda allows at most 5`, value: input.layers.length, limit: '5 layers' });
  }
  const provisioned = input.provisionedConcurrency;
  const reserved = input.reservedConcurrency;
  if (known(provisioned) && (provisioned < 1 || !Number.isInteger(provisioned))) {
    violations.push({ code: 'ProvisionedConcurrencyInvalid', text: `provisionedConcurrency ${provisioned} must be a whole number, at least 1`, value: provisioned, limit: '>= 1' });
  }
  if (known(reserved) && (reserved < 0 || !Number.isInteger(reserved))) {
    violations.push({ code: 'ReservedConcurrencyInvalid', text: `reservedConcurrency ${reserved} must be a whole number, 0 or more`, value: reserved, limit: '>= 0' });
  }
  if (known(provisioned) && known(reserved) && provisioned > reserved) {
    violations.push({
      code: 'ProvisionedAboveReserved',
      text: `provisionedConcurrency ${provisioned} is above reservedConcurrency ${reserved}; provisioned environments must fit in the reservation`,
      value: provisioned,
      limit: `<= reservedConcurrency (${reserved})`,
    });
  }
  const scaling = input.scaling;
  if (scaling && known(reserved) && scaling.maxCapacity > reserved) {
    violations.push({
      code: 'ProvisionedAboveReserved',
      text: `provisionedConcurrencyScaling.maxCapacity ${scaling.maxCapacity} is above reservedConcurrency ${reserved}`,
      value: scaling.maxCapacity,
      limit: `<= reservedConcurrency (${reserved})`,
    });
  }
  if (scaling && scaling.minCapacity > scaling.maxCapacity) {
    violations.push({
      code: 'ScalingRangeInvalid',
      text: `provisionedConcurrencyScaling.minCapacity ${scaling.minCapacity} is above maxCapacity ${scaling.maxCapacity}`,
      value: scaling.minCapacity,
      limit: `<= maxCapacity (${scaling.maxCapacity})`,
    });
  }
  if (scaling?.utilizationTarget !== undefined && (scaling.utilizationTarget < 0.1 || scaling.utilizationTarget > 0.9)) {
    violations.push({
      code: 'UtilizationTargetOutOfRange',
      text: `provisionedConcurrencyScaling.utilizationTarget ${scaling.utilizationTarget} is outside 0.1-0.9`,
      value: scaling.utilizationTarget,
      limit: '0.1-0.9',
    });
  }
  if (known(input.retryAttempts) && (input.retryAttempts < 0 || input.retryAttempts > 2 || !Number.isInteger(input.retryAttempts))) {
    violations.push({ code: 'RetryAttemptsOutOfRange', text: `retryAttempts ${input.retryAttempts} is outside 0-2`, value: input.retryAttempts, limit: '0-2' });
  }
  if (input.maxEventAge && !input.maxEventAge.isUnresolved()) {
    const seconds = input.maxEventAge.toSeconds();
    if (seconds < LIMITS.maxEventAgeSeconds.min || seconds > LIMITS.maxEventAgeSeconds.max) {
      violations.push({ code: 'MaxEventAgeOutOfRange', text: `maxEventAge ${seconds} s is outside 60 s-6 h (21,600 s)`, value: seconds, limit: '60-21600 s' });
    }
  }

  if (violations.length === 1) {
    const [v] = violations;
    throw new LambdakitError(v.text, { code: v.code, path: constructPath, value: v.value, limit: v.limit });
  }
  if (violations.length > 1) {
    throw new LambdakitError(`${violations.length} settings break Lambda's limits: ${violations.map((v) => v.text).join('; ')}`, {
      code: 'InvalidFunctionProps',
      path: constructPath,
      value: violations.map((v) => v.code),
      limit: violations.map((v) => v.limit).join('; '),
    });
  }
}
