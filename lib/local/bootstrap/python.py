# lambdakit's Python runtime client: imports the handler named by _HANDLER
# (`module.function`) from LAMBDA_TASK_ROOT and serves invocations through the
# Lambda Runtime API at AWS_LAMBDA_RUNTIME_API (host:port[/prefix]).
# Standard library only: it runs before any user code in every environment.
import http.client
import importlib
import json
import os
import sys
import time
import traceback

API = os.environ.get("AWS_LAMBDA_RUNTIME_API", "")
HOST_PORT, _, PREFIX = API.partition("/")
PREFIX = "/" + PREFIX if PREFIX else ""
HOST, _, PORT = HOST_PORT.partition(":")
BASE = PREFIX + "/2018-06-01/runtime"
conn = http.client.HTTPConnection(HOST, int(PORT or 80))


def call(method, route, body=None, headers=None):
    global conn
    data = None if body is None else body.encode("utf-8")
    hdrs = dict(headers or {})
    if data is not None:
        hdrs["content-type"] = "application/json"
    for attempt in range(2):
        try:
            conn.request(method, BASE + route, body=data, headers=hdrs)
            res = conn.getresponse()
            return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
        except (http.client.HTTPException, ConnectionError):
            conn.close()
            conn = http.client.HTTPConnection(HOST, int(PORT or 80))
            if attempt == 1:
                raise


def error_body(exc, error_type=None):
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": "",
        "stackTrace": traceback.format_tb(exc.__traceback__) if exc.__traceback__ else [],
    }


def init_error(error_type, message):
    body = {"errorMessage": message, "errorType": error_type, "requestId": "", "stackTrace": []}
    print("[ERROR] %s: %s" % (error_type, message), flush=True)
    call("POST", "/init/error", json.dumps(body), {"Lambda-Runtime-Function-Error-Type": error_type})
    sys.exit(1)


class ClientContext:
    """context.client_context as Lambda's Python runtime gives it: attributes, not a dict."""

    def __init__(self, data):
        self.client = data.get("client")
        self.custom = data.get("custom")
        self.env = data.get("env")


class CognitoIdentity:
    def __init__(self, data):
        self.cognito_identity_id = data.get("cognitoIdentityId")
        self.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")


class Context:
    def __init__(self, headers):
        self.aws_request_id = headers.get("lambda-runtime-aws-request-id")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        cc = headers.get("lambda-runtime-client-context")
        self.client_context = ClientContext(json.loads(cc)) if cc else None
        ci = headers.get("lambda-runtime-cognito-identity")
        self.identity = CognitoIdentity(json.loads(ci)) if ci else None
        self._deadline = int(headers.get("lambda-runtime-deadline-ms", "0"))

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline - int(time.time() * 1000))


def load_handler():
    spec = os.environ.get("_HANDLER", "")
    module_name, _, function_name = spec.rpartition(".")
    if not module_name or not function_name:
        init_error("Runtime.MalformedHandlerName", "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % spec)
    root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    sys.path.insert(0, root)
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        init_error("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_name, exc))
    except SyntaxError as exc:
        init_error("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_name, exc))
    except Exception as exc:  # noqa: BLE001 - any import-time failure is the user's
        init_error(type(exc).__name__, str(exc))
    handler = getattr(module, function_name, None)
    if handler is None:
        init_error("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (function_name, module_name))
    return handler


def main():
    handler = load_handler()
    while True:
        status, headers, body = call("GET", "/invocation/next")
        request_id = headers.get("lambda-runtime-aws-request-id")
        trace = headers.get("lambda-runtime-trace-id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        try:
            event = json.loads(body or b"null")
            result = handler(event, Context(headers))
            payload = json.dumps(result)
        except Exception as exc:  # noqa: BLE001 - reported to the caller as Lambda does
            err = error_body(exc)
            err["requestId"] = request_id
            print("[ERROR] %s: %s" % (err["errorType"], err["errorMessage"]), flush=True)
            call("POST", "/invocation/%s/error" % request_id, json.dumps(err), {"Lambda-Runtime-Function-Error-Type": err["errorType"]})
            continue
        call("POST", "/invocation/%s/response" % request_id, payload)


if __name__ == "__main__":
    main()
