"""Makes the conformance plugin available to plain pytest in a checkout (pytest conformance/suite.py --oai-...)."""

pytest_plugins = ["conformance.plugin"]
