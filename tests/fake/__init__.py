"""A fake OpenAI-compatible server for the suite's self-tests: conformant, or with chosen deviations."""

from tests.fake import deviations as _deviations  # noqa: F401 - registers every deviation
from tests.fake.registry import DEVIATIONS, POINTS, deviation
from tests.fake.server import FakeServer
from tests.fake.tokenizer import VOCAB, token_id

__all__ = ["DEVIATIONS", "POINTS", "VOCAB", "FakeServer", "deviation", "token_id"]
