"""The clients of the matrix. A new client is one scenario file and one line in CLIENTS (see ARCHITECTURE.md)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

NODE_DIR = Path(__file__).with_name("node")


@dataclass(frozen=True)
class ClientSpec:
    """One client: how its scenario file runs and which package's version it reports."""

    name: str
    label: str
    language: str  # "python": a module run as python -m; "node": a file in conformance/clients/node run by run.mjs
    script: str
    package: str

    def version(self) -> str | None:
        """The installed version of the client's package (None: not installed)."""
        if self.language == "python":
            try:
                return metadata.version(self.package)
            except metadata.PackageNotFoundError:
                return None
        manifest = NODE_DIR / "node_modules" / self.package / "package.json"
        try:
            return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
        except (OSError, ValueError, KeyError):
            return None

    def missing(self) -> str | None:
        """Why this client cannot run on this machine (None: it can)."""
        if self.language == "node":
            if shutil.which("node") is None:
                return "node not found"
            if self.version() is None:
                return f"npm package {self.package} not installed (npm ci in conformance/clients/node)"
        elif self.version() is None:
            return f"Python package {self.package} not installed"
        return None


def python(name: str, label: str, module: str, package: str) -> ClientSpec:
    """A client written in Python: its scenario module runs as `python -m module`."""
    return ClientSpec(name, label, "python", module, package)


def node(name: str, label: str, script: str, package: str) -> ClientSpec:
    """A JavaScript client: its scenario file in conformance/clients/node runs under run.mjs."""
    return ClientSpec(name, label, "node", script, package)


CLIENTS: tuple[ClientSpec, ...] = (
    python("openai-python", "openai-python", "conformance.clients.openai_python", "openai"),
    node("openai-node", "openai-node", "openai_node.mjs", "openai"),
    node("genkit", "Genkit compat-oai", "genkit.mjs", "@genkit-ai/compat-oai"),
    node("modelfusion", "ModelFusion", "modelfusion.mjs", "modelfusion"),
)
