"""Store the generated requests of property checks in recordings made before the suite stored them.

    python targets/add_property_traces.py cassettes/NAME [...]

Such a recording replays only with the Hypothesis version that drew its examples (the one named in its
report's `details.property.hypothesis`): run this once with that version installed. It draws the
examples again, answers them from the cassette, and writes what was evaluated, in order, into the
cassette's metadata; from then on the recording replays with any Hypothesis. A draw the cassette does
not hold (another Hypothesis version) stops with an error and changes nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from conformance.checks.chat.properties import INVALID, VALID
from conformance.context import Run
from conformance.http import Client
from conformance.model import Outcome, Target, Wire
from conformance.properties import trace
from conformance.recording import Replayer, Secrets, cassette_path, read_target
from conformance.registry import all_checks
from conformance.runner import execute


class _Notes:
    """Stands in for the recorder: keeps what the property notes, ignores cache hits (already recorded)."""

    def __init__(self) -> None:
        self.notes: dict[str, Any] = {}

    def add_cached(self, key: str, stream: bool, wire: Wire | None) -> None:
        """Cache hits are in the cassette already."""

    def note(self, key: str, value: Any) -> None:
        """Keep the trace."""
        self.notes[key] = value


def add_traces(folder: Path) -> list[str]:
    """Add the trace to each property cassette of one recording that lacks it; what was done, in words."""
    info = read_target(folder)
    t = info["target"]
    target = Target(base_url=t["base_url"], model=t["model"], name=t["name"],
                    embedding_model=t.get("embedding_model"), api_key_env=t.get("api_key_env", "OPENAI_API_KEY"),
                    api_key="<replayed>" if t.get("authenticated") else None)
    secrets = Secrets(frozenset(info.get("secret_headers", [])), frozenset(info.get("secret_fields", [])))
    done = []
    for check in (c for c in all_checks() if c.spec.id in (VALID, INVALID)):
        path = cassette_path(folder, check.spec.id)
        if not path.is_file():
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        if trace.KEY in doc.get("metadata", {}):
            done.append(f"{path}: already holds its generated requests")
            continue
        tape = Replayer(folder, secrets)
        client = Client(target, transport=tape.transport)
        client.miss_errors = tape.miss
        notes = _Notes()
        # No replayer on the run: the property draws with Hypothesis, answered from the cassette.
        run = Run(target, client, recorder=notes, replay=True)
        for key, stream, wire in tape.cached(check.spec.id):
            run.cache.setdefault(key, client.from_wire(wire, stream=stream))
        with tape.cassette(check.spec.id):
            result = execute(check, run)
        client.close()
        if result.outcome is Outcome.ERROR or trace.KEY not in notes.notes:
            raise SystemExit(f"{path}: cannot draw the recorded examples with this Hypothesis: {result.reason}")
        doc.setdefault("metadata", {})[trace.KEY] = notes.notes[trace.KEY]
        path.write_text(json.dumps(doc, indent=4) + "\n", encoding="utf-8")  # as vcrpy writes cassettes
        done.append(f"{path}: {len(notes.notes[trace.KEY]['order'])} evaluations stored ({result.outcome.value})")
    return done


def main(argv: list[str]) -> int:
    """Add traces to every recording folder named on the command line."""
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    for folder in argv:
        for line in add_traces(Path(folder)):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
