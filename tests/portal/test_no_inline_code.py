"""No page holds what the Content-Security-Policy refuses to run (an inline script, an on…=
handler, a javascript: address, an inline style), and every page carries the policy: on each page
the demo walk reaches, and in every template, whatever state its page is in."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

import cuncun

URL_ATTRIBUTES = {"href", "src", "action", "formaction"}
# A template's tags, variables and comments: read as a word, so that the quotes of
# `title="{% translate "…" %}"` do not end the attribute early for the HTML parser.
TEMPLATE_SYNTAX = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.DOTALL)


class InlineCode(HTMLParser):
    """What the policy would refuse on a page, each with its line: scripts are static files (a
    `json_script` holds data, not code), behaviour comes from data- attributes, style from the
    stylesheets."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        named = dict(attrs)
        if tag == "script" and not named.get("src") and named.get("type") != "application/json":
            self.found.append(f"line {line}: <script> without src")
        if tag == "style":
            self.found.append(f"line {line}: <style>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"line {line}: {name}= on <{tag}>")
            elif name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"line {line}: {name}=javascript: on <{tag}>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_the_finder_sees_each_kind_of_inline_code():
    page = """<script src="/static/a.js"></script><script type="application/json">{}</script>
    <script>alert(1)</script><button onclick="go()">x</button><p style="color:red">y</p>
    <style>p{}</style><a href="javascript:print()">z</a>"""

    assert inline_code(page) == [
        "line 2: <script> without src",
        "line 2: onclick= on <button>",
        "line 2: style= on <p>",
        "line 3: <style>",
        "line 3: href=javascript: on <a>",
    ]


@pytest.mark.timeout(1800)  # the whole demo, then every role's pages (tests/portal/conftest.py)
def test_no_page_a_demo_role_reaches_holds_inline_code_and_each_carries_the_policy(demo_pages):
    found = {}
    for page in demo_pages:
        problems = inline_code(page.html)
        if page.headers.get("Content-Security-Policy") != settings.CUNCUN_CSP:
            problems.append("no Content-Security-Policy header")
        if problems:
            found[f"{page.path} ({page.username or 'visitor'})"] = problems

    assert len(demo_pages) > 100  # the walk went round the demo
    assert not found, "\n".join(f"{where}: {problems}" for where, problems in found.items())


def test_no_template_holds_inline_code():
    """Templates too: a page the walk does not reach in the state that shows it (a button
    only for an unpublished assessment, an error page) keeps to the policy as well."""
    templates = sorted(Path(cuncun.__file__).parent.glob("*/templates/**/*.html"))

    found = {
        str(template.relative_to(Path(cuncun.__file__).parent)): problems
        for template in templates
        if (problems := inline_code(TEMPLATE_SYNTAX.sub("tag", template.read_text())))
    }

    assert templates and not found, found
