import { LambdakitError } from '../errors';
import { REGION_HINT } from './region';

/** What a failed AWS call was about, for the one-line message. */
export interface AwsCallContext {
  /** The API operation, e.g. `GetFunction`. */
  readonly operation: string;
  /** The endpoint the client talks to, as the user would recognise it. */
  readonly endpoint: string;
  /** What the call concerned, e.g. `function Api-Hello-1X2Y`. */
  readonly subject?: string;
}

interface SdkError extends Error {
  readonly code?: string;
  readonly errno?: string;
  readonly $fault?: 'client' | 'server';
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $response?: { readonly statusCode?: number };
  readonly cause?: unknown;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError']);
const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
]);

function networkCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 3) return undefined;
  const e = error as SdkError;
  for (const candidate of [e.code, e.errno, e.name]) if (candidate && NETWORK_CODES.has(candidate)) return candidate;
  if (Array.isArray((error as { errors?: unknown[] }).errors)) {
    for (const inner of (error as { errors: unknown[] }).errors) {
      const found = networkCode(inner, depth + 1);
      if (found) return found;
    }
  }
  return networkCode(e.cause, depth + 1);
}

/**
 * Turns an SDK failure into one line a user can act on. Everything the
 * service or the network answered is expected (a LambdakitError); only
 * errors that did not come from the SDK keep their stack.
 */
export function toLambdakitError(error: unknown, context: AwsCallContext): unknown {
  if (!(error instanceof Error)) return error;
  const e = error as SdkError;
  const about = context.subject ? ` (${context.subject})` : '';
  if (e.name === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message)) {
    return new LambdakitError('no AWS credentials found', {
      code: 'NoCredentials',
      cause: error,
      hint: 'set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (dummy values for a local endpoint)',
    });
  }
  if (/Region is missing/i.test(e.message)) {
    return new LambdakitError('no AWS region configured', { code: 'NoRegion', cause: error, hint: REGION_HINT });
  }
  const network = networkCode(error);
  if (network) {
    return new LambdakitError(`cannot reach ${context.endpoint} (${network}) for ${context.operation}`, {
      code: 'EndpointUnreachable',
      cause: error,
      hint: 'check --endpoint-url / AWS_ENDPOINT_URL and the network',
    });
  }
  if (ACCESS_DENIED.has(e.name) || e.$metadata?.httpStatusCode === 403) {
    return new LambdakitError(`access denied to ${context.operation}${about}: ${firstLine(e.message)}`, {
      code: 'AccessDenied',
      cause: error,
      hint: 'use credentials whose policy allows this action',
    });
  }
  if (e.name === 'ResourceNotFoundException' || e.name === 'ResourceNotFound') {
    return new LambdakitError(`not found${about}: ${firstLine(e.message)}`, { code: 'ResourceNotFound', cause: error });
  }
  // A body the SDK could not parse is what an endpoint answers for an API it does not implement (moto does this for some).
  if (e.$response !== undefined || /Deserialization error|not valid JSON|XML parse error/i.test(e.message)) {
    const status = e.$response?.statusCode ?? e.$metadata?.httpStatusCode;
    return new LambdakitError(`${context.endpoint} gave no valid answer to ${context.operation}${status ? ` (HTTP ${status})` : ''}; the endpoint may not implement it`, {
      code: 'UnsupportedOperation',
      cause: error,
    });
  }
  if (e.$fault !== undefined || e.$metadata !== undefined) {
    return new LambdakitError(`${context.operation} failed${about}: ${e.name}: ${firstLine(e.message)}`, { code: 'AwsCallFailed', cause: error });
  }
  return error;
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}
