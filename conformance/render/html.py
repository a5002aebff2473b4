"""A tiny escaping HTML builder, so no report is assembled by unescaped string formatting."""

from __future__ import annotations

from html import escape

Node = "str | Element"


class Element:
    """An HTML element whose text children are escaped when rendered."""

    def __init__(self, tag: str, attrs: dict[str, str] | None = None, *children: object) -> None:
        self.tag, self.attrs, self.children = tag, attrs or {}, children

    def __str__(self) -> str:
        attrs = "".join(f' {k}="{escape(str(v), quote=True)}"' for k, v in self.attrs.items())
        # Text needs only <, > and & escaped; escaping quotes too would bloat every JSON body sixfold per quote.
        inner = "".join(str(c) if isinstance(c, (Element, Raw)) else escape(str(c), quote=False)
                        for c in self.children)
        return f"<{self.tag}{attrs}>{inner}</{self.tag}>"


class Raw(str):
    """Trusted markup (e.g. a stylesheet) inserted as is."""


def h(tag: str, attrs: dict[str, str] | None = None, *children: object) -> Element:
    """Build an element: h('td', {'class': 'x'}, 'text')."""
    return Element(tag, attrs, *children)
