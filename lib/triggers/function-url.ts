import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type ITrigger, OptionChecks, type TriggerTarget } from './trigger';

export interface FunctionUrlTriggerProps {
  /**
   * Who may call the URL: `AWS_IAM` (SigV4-signed requests from principals allowed
   * by IAM) or `NONE` (anyone on the internet).
   * @default lambda.FunctionUrlAuthType.AWS_IAM
   */
  readonly authType?: lambda.FunctionUrlAuthType;
  /**
   * CORS settings for browsers.
   * @default - no CORS headers
   */
  readonly cors?: lambda.FunctionUrlCorsOptions;
  /**
   * `BUFFERED` or `RESPONSE_STREAM`.
   * @default lambda.InvokeMode.BUFFERED
   */
  readonly invokeMode?: lambda.InvokeMode;
}

/** A Lambda function URL on the function's `live` alias (payload format 2.0), IAM-authenticated by default. */
export class FunctionUrlTrigger implements ITrigger {
  public functionUrl?: lambda.FunctionUrl;

  constructor(private readonly props: FunctionUrlTriggerProps = {}) {}

  public bind(target: TriggerTarget): void {
    if (target.alias.node.tryFindChild('FunctionUrl')) {
      new OptionChecks(target.node.path, 'FunctionUrlTrigger').fail('FunctionUrlExists', 'the alias already has a function URL; an alias can have one').throwIfAny();
    }
    this.functionUrl = target.alias.addFunctionUrl({
      authType: this.props.authType ?? lambda.FunctionUrlAuthType.AWS_IAM,
      cors: this.props.cors,
      invokeMode: this.props.invokeMode,
    });
  }

  /** The URL (a token until deploy). */
  public get url(): string {
    if (!this.functionUrl) throw new Error('FunctionUrlTrigger.url is available once the trigger is added to a function');
    return this.functionUrl.url;
  }
}
