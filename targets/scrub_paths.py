"""Replace this machine's absolute paths in a folder of cassettes with placeholders, in place.

Servers put local paths in their answers (vLLM's model `root`, llama-cpp-python's tracebacks); a
bundled recording must not carry them. Usage: scrub_paths.py FOLDER PREFIX=PLACEHOLDER...
(longest prefix first, so a folder inside another gets its own placeholder).
"""

from __future__ import annotations

import sys
from pathlib import Path


def scrub(text: str, pairs: list[tuple[str, str]]) -> str:
    """The text with every prefix replaced by its placeholder, longest prefix first."""
    for prefix, placeholder in sorted(pairs, key=lambda p: -len(p[0])):
        text = text.replace(prefix, placeholder)
    return text


def main(argv: list[str]) -> int:
    """Scrub every cassette of the folder; print how many files changed."""
    folder, specs = Path(argv[0]), argv[1:]
    # A prefix shorter than "/x/y" would also hit ordinary text such as "/v1": refuse it.
    pairs = [tuple(s.split("=", 1)) for s in specs]
    if any(len(p) != 2 or p[0].count("/") < 2 or not p[0].startswith("/") for p in pairs):
        print(f"scrub_paths.py: each argument is /ABSOLUTE/PREFIX=PLACEHOLDER, got {specs}", file=sys.stderr)
        return 2
    changed = 0
    for path in sorted(folder.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        new = scrub(text, pairs)  # type: ignore[arg-type]
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed += 1
    print(f"scrub_paths.py: {changed} cassette(s) in {folder} had local paths replaced")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
