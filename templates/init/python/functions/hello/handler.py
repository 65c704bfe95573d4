"""GET /hello?name=Ada -> {"message": "Hello, Ada!"}"""
import json


def lambda_handler(event, context):
    name = (event.get("queryStringParameters") or {}).get("name", "world")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"message": f"Hello, {name}!"}),
    }
