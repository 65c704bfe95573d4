"""GET /quote?items=&unit= - a price quote (HTTP API, payload 2.0)."""
import json

from pricing import QuoteError, quote


def lambda_handler(event, context):
    params = event.get("queryStringParameters") or {}
    try:
        body = quote(params.get("items"), params.get("unit"))
    except QuoteError as error:
        return _json(400, {"error": str(error), "field": error.field})
    print(json.dumps({"level": "INFO", "message": "quote", "items": body["items"], "requestId": getattr(context, "aws_request_id", None)}))
    return _json(200, body)


def _json(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
