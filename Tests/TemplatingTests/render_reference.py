#!/usr/bin/env python3
"""Renders a chat template with Python's jinja2 the way Hugging Face transformers does.

Usage: render_reference.py TEMPLATE_FILE CONTEXT_JSON_FILE

The environment mirrors transformers' `_compile_jinja_template`: an immutable sandbox with
trim_blocks and lstrip_blocks, the loop-controls extension, a `{% generation %}` block, the
`raise_exception` and `strftime_now` globals, and a `tojson` filter that is plain
`json.dumps` (no HTML escaping, key order kept). The rendered text goes to stdout as is;
on a template error the message goes to stderr, prefixed by the exception class, and the
exit status is 3.
"""
import json
import sys
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment


class AssistantTracker(Extension):
    """Accepts `{% generation %}...{% endgeneration %}` and renders its body unchanged."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return datetime.now().strftime(format)


def make_environment():
    """The environment transformers' `_compile_jinja_template` builds."""
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker, jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    template_path, context_path = sys.argv[1], sys.argv[2]
    with open(template_path, encoding="utf-8") as f:
        source = f.read()
    with open(context_path, encoding="utf-8") as f:
        context = json.load(f)
    env = make_environment()
    try:
        rendered = env.from_string(source).render(**context)
    except Exception as error:  # every failure is reported, the test decides what it expected
        sys.stderr.write(f"{type(error).__name__}: {error}")
        sys.exit(3)
    sys.stdout.buffer.write(rendered.encode("utf-8"))


if __name__ == "__main__":
    main()
