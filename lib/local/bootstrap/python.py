# lambdakit's Python runtime client: imports the handler named by _HANDLER
# (`module.function`) from LAMBDA_TASK_ROOT and serves invocations through the
# Lambda Runtime API at AWS_LAMBDA_RUNTIME_API (host:port[/prefix]).
# Standard library only: it runs before any user code in every environment.
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback


def placement():
    """A process lambdakit started ahead of any function (lib/local/prewarm.ts) has done what does
    not depend on the function (the interpreter's start-up, importing this file's modules) and
    waits on fd 3 to be placed in an environment: it then takes on the environment's whole process
    environment and working directory, before anything below reads them."""
    try:
        os.write(3, b"ready\n")
        data = b""
        while b"\n" not in data:
            chunk = os.read(3, 65536)
            if not chunk:
                os._exit(0)  # lambdakit is gone before placing it
            data += chunk
    except OSError:
        os._exit(0)
    # Closed, so that nothing the function starts inherits it.
    os.close(3)
    placed = json.loads(data.split(b"\n", 1)[0])
    # What the interpreter set itself as it started (PEP 538's LC_CTYPE coercion) is set again
    # after the function's variables, as in a process started with them.
    try:
        with open("/proc/self/environ", "rb") as f:
            started_with = {e.split(b"=", 1)[0].decode() for e in f.read().split(b"\0") if e}
        added = {k: v for k, v in os.environ.items() if k not in started_with}
    except OSError:
        added = {}
    os.environ.clear()
    os.environ.update(placed["env"])
    for name, value in added.items():
        os.environ.setdefault(name, value)
    os.chdir(placed["cwd"])


if os.environ.get("LAMBDAKIT_PREWARM") == "1":
    placement()

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


# ---- logging, as Lambda's Python runtime client does it (awslambdaric: bootstrap.py, lambda_runtime_log_utils.py) ----
JSON_LOGS = (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
# Lambda sets AWS_LAMBDA_LOG_LEVEL (JSON format only); Python's logging has no TRACE, which becomes DEBUG.
LOG_LEVEL = {None: "", "TRACE": "DEBUG"}.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL"), os.environ.get("AWS_LAMBDA_LOG_LEVEL") or "").upper()
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
RESERVED_FIELDS = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info", "exc_text",
    "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread", "threadName",
    "processName", "process", "aws_request_id", "tenant_id", "_frame_type", "taskName",
}
current_request_id = None


class JsonFormatter(logging.Formatter):
    def __init__(self):
        super().__init__(datefmt=DATETIME_FORMAT)

    def format(self, record):
        record.levelno = min(50, max(0, record.levelno)) // 10 * 10
        record.levelname = logging.getLevelName(record.levelno)
        exc = record.exc_info
        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno) if exc else None,
        }
        result.update((k, v) for k, v in record.__dict__.items() if k not in RESERVED_FIELDS and k not in result)
        return json.dumps({k: v for k, v in result.items() if v is not None}, ensure_ascii=False, default=str) + "\n"


class StdoutHandler(logging.Handler):
    def emit(self, record):
        sys.stdout.write(self.format(record))
        sys.stdout.flush()


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = current_request_id or ""
        return True


def setup_logging():
    """The root logger as Lambda's runtime sets it up: its handler and format, and the level from AWS_LAMBDA_LOG_LEVEL."""
    logging.Formatter.converter = time.gmtime
    handler = StdoutHandler()
    if JSON_LOGS:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n", "%Y-%m-%dT%H:%M:%S"))
    root = logging.getLogger()
    if LOG_LEVEL in logging._nameToLevel:  # noqa: SLF001 - what awslambdaric checks
        root.setLevel(LOG_LEVEL)
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)


def log_error(error_result):
    """An error the runtime reports, logged as awslambdaric's log_error: `[ERROR] Type: message` and the traceback, one CloudWatch event."""
    if JSON_LOGS:
        line = json.dumps({"timestamp": time.strftime(DATETIME_FORMAT, time.gmtime()), "log_level": "ERROR", **error_result}, ensure_ascii=False)
        sys.stdout.write(line.replace("\n", "\r") + "\n")
        return
    description = "[ERROR]"
    if error_result.get("errorType"):
        description += " " + error_result["errorType"]
    if error_result.get("errorMessage"):
        if error_result.get("errorType"):
            description += ":"
        description += " " + error_result["errorMessage"]
    lines = [description]
    if error_result.get("stackTrace") is not None:
        lines.append("Traceback (most recent call last):")
        for element in error_result["stackTrace"]:
            if element == "":
                lines.append("")
                continue
            for line in element.splitlines():
                indent = len(line) - len(line.lstrip(" "))
                lines.append("\u00a0" * indent + line[indent:])
    sys.stdout.write("\r".join(lines) + "\n")
    sys.stdout.flush()


def make_error(message, error_type, stack_trace, request_id=None):
    return {"errorMessage": message or "", "errorType": error_type or "", "requestId": request_id or "", "stackTrace": stack_trace or []}


def error_body(exc, request_id=None):
    """The error of a failed invocation, its traceback starting at the user's code (this file's frames left out)."""
    frames = traceback.extract_tb(exc.__traceback__)
    while frames and frames[0].filename == __file__:
        frames = frames[1:]
    return make_error(str(exc), type(exc).__name__, traceback.format_list(frames), request_id)


def init_error(error_type, message):
    body = make_error(message, error_type, [])
    log_error(body)
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
    global current_request_id
    setup_logging()
    handler = load_handler()
    while True:
        status, headers, body = call("GET", "/invocation/next")
        request_id = headers.get("lambda-runtime-aws-request-id")
        current_request_id = request_id
        trace = headers.get("lambda-runtime-trace-id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        try:
            event = json.loads(body or b"null")
            result = handler(event, Context(headers))
            payload = json.dumps(result)
        except Exception as exc:  # noqa: BLE001 - reported to the caller as Lambda does
            err = error_body(exc, request_id)
            log_error(err)
            call("POST", "/invocation/%s/error" % request_id, json.dumps(err), {"Lambda-Runtime-Function-Error-Type": err["errorType"]})
            continue
        call("POST", "/invocation/%s/response" % request_id, payload)


if __name__ == "__main__":
    main()
