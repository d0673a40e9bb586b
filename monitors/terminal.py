"""What the command line writes to a terminal: titles, texts and errors that came from web pages
and files, shown as text and never obeyed as terminal commands.

A stored title holding ESC [ 2 J (or the one-byte CSI, U+009B) would clear the screen of whoever
runs `veille search`; a carriage return would overwrite what came before it on the line.
Control characters other than newline and tab are shown as escapes instead.
"""

from __future__ import annotations

import json
import re
from typing import Any

import click

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_C1 = re.compile(r"[\x7f-\x9f]")  # what json.dumps leaves raw (it escapes \x00-\x1f itself)


def shown(text: str) -> str:
    """The text with its control characters (but newline and tab) written as \\xNN escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def echo(message: Any = None, err: bool = False, nl: bool = True) -> None:
    """click.echo of text meant for a person, control characters shown, not obeyed."""
    click.echo(None if message is None else shown(str(message)), err=err, nl=nl)


def echo_json(data: Any, **dumps: Any) -> None:
    """click.echo of a JSON document; DEL and C1 control characters, which json.dumps keeps
    raw, escaped as \\u00NN (still the same JSON strings)."""
    text = json.dumps(data, **dumps)
    click.echo(_C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text))
