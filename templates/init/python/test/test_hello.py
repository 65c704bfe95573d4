import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "functions", "hello"))
from handler import lambda_handler  # noqa: E402


def http_api_event(query=None):
    """The fields of an HTTP API (payload 2.0) event this handler reads; `npx lambdakit event http-api` prints a whole one."""
    return {"version": "2.0", "routeKey": "GET /hello", "rawPath": "/hello", "queryStringParameters": query}


class HelloTest(unittest.TestCase):
    def test_greets_the_name_in_the_query_string(self):
        response = lambda_handler(http_api_event({"name": "Ada"}), None)
        self.assertEqual(response["statusCode"], 200)
        self.assertEqual(json.loads(response["body"]), {"message": "Hello, Ada!"})

    def test_greets_the_world_without_a_name(self):
        response = lambda_handler(http_api_event(), None)
        self.assertEqual(json.loads(response["body"]), {"message": "Hello, world!"})


if __name__ == "__main__":
    unittest.main()
