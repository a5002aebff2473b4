"""Property-based checks: requests generated from the derived schemas, held to properties, shrunk when they fail.

`spec.EndpointSpec` is all an endpoint needs (schemas, request strategies, judges): `chat.SPEC` is the first.
`conclude.valid_requests` / `conclude.invalid_requests` run one property inside the run's budget and turn it
into a verdict whose reason carries the shrunk request as a curl command.
"""
