"""The baseline for `benchmarks.web`: the smallest Flask app, served the same way as Kith."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, world!"
