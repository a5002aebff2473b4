"""Every deviation, one module per area; importing this package registers them all."""

# To add a deviation: in the area's module (or a new area_*.py imported below), write a small function
# for one hook point of tests.fake.registry.POINTS and decorate it with
#     @deviation("area.what_goes_wrong", "one-line description", on="<point>")
# (use @also(name, on=...) for a second hook of the same deviation), then add a probe for it to
# tests/fake/probe_table.py: test_fake_server.py checks that every deviation has one and that it shows.
# Declare the checks it turns from pass in the deviation table of the area's self-test (FLIPS and the
# like, listed in tests/test_every_check_can_fail.py): every registered check needs one that does.

from tests.fake.deviations import (  # noqa: F401 - imported for their registrations
    area_audio,
    area_chat,
    area_embeddings,
    area_completions,
    area_errors,
    area_fields,
    area_http,
    area_images,
    area_json,
    area_logprobs,
    area_responses,
    area_robustness,
    area_stream,
    area_tools,
    area_vision,
)
