"""Every translation in cuncun's catalogues is the one a page shows.

Django merges all catalogues into one: for the same (context, msgid) the shared catalogue
(LOCALE_PATHS) wins, then the app earlier in INSTALLED_APPS (Django's own apps come first), then
Django's core. An app's own translation of a short generic word is silently replaced by another
app's: these tests read each catalogue with gettext's own tools (msgfmt, msgattrib, the stdlib's
GNUTranslations) and ask Django what it returns for each of its entries.
"""

import gettext
import os
import shutil
import subprocess
from pathlib import Path

import django
import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation

import cuncun

LANGUAGE = "zh-hans"
LOCALE = translation.to_locale(LANGUAGE)
PACKAGE_DIR = Path(cuncun.__file__).parent
CATALOGUES = sorted(PACKAGE_DIR.glob(f"**/locale/{LOCALE}/LC_MESSAGES/django.po"))
# In a compiled catalogue a context is joined to its msgid by this byte (GNU gettext's rule).
CONTEXT_SEPARATOR = "\x04"


def catalogue_name(po: Path) -> str:
    """`training` for an app's catalogue, `shared` for LOCALE_PATHS'."""
    owner = po.parents[3]
    return "shared" if owner == PACKAGE_DIR else owner.name


def gettext_tool(program: str, *args: str) -> str:
    """Run one of gettext's programs (the ones Django's makemessages and compilemessages run)."""
    found = shutil.which(program)
    if found is None:
        pytest.fail(f"gettext's {program} is needed to read the catalogues (apt install gettext)")
    done = subprocess.run(
        [found, *args], capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"}
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def entries_of_mo(mo: Path) -> dict:
    """A compiled catalogue's entries: msgid, `context\\x04msgid`, or (msgid, plural index)."""
    with mo.open("rb") as file:
        # The stdlib keeps the entries in _catalog, which is what Django merges too.
        catalogue = gettext.GNUTranslations(file)._catalog
    return {key: text for key, text in catalogue.items() if key != ""}


def entries_of_po(po: Path, tmp_dir: Path) -> dict:
    """What the .po says, compiled afresh by msgfmt (which leaves out fuzzy and empty entries)."""
    mo = tmp_dir / f"{catalogue_name(po)}.mo"
    gettext_tool("msgfmt", "--check", "-o", str(mo), str(po))
    return entries_of_mo(mo)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    tmp_dir = tmp_path_factory.mktemp("catalogues")
    return {po: entries_of_po(po, tmp_dir) for po in CATALOGUES}


def what_django_shows(key) -> str:
    """What a page shows for one entry, through Django's own gettext functions."""
    plural = isinstance(key, tuple)  # (msgid, index): Chinese has a single plural form
    context, _, msgid = (key[0] if plural else key).rpartition(CONTEXT_SEPARATOR)
    if plural and context:
        return translation.npgettext(context, msgid, msgid, 1)
    if plural:
        return translation.ngettext(msgid, msgid, 1)
    return translation.pgettext(context, msgid) if context else translation.gettext(msgid)


def readable(key) -> str:
    context, _, msgid = (key[0] if isinstance(key, tuple) else key).rpartition(CONTEXT_SEPARATOR)
    return f'"{msgid}" (context "{context}")' if context else f'"{msgid}"'


def compiled_catalogue(locale: Path) -> dict:
    mo = locale / LOCALE / "LC_MESSAGES" / "django.mo"
    return entries_of_mo(mo) if mo.exists() else {}


def other_apps_catalogues() -> dict[str, dict]:
    """The catalogues of the installed apps cuncun did not write: Django's admin, auth, sessions
    …, axes, ninja, each by its label."""
    return {
        app.label: compiled_catalogue(Path(app.path) / "locale")
        for app in apps.get_app_configs()
        if not app.name.startswith("cuncun.")
    }


def catalogues_by_rank(compiled: dict) -> list[tuple[str, dict]]:
    """Every catalogue in the order Django lets them win: LOCALE_PATHS, then the installed apps
    in order, then Django's core."""
    ours = {catalogue_name(po): entries for po, entries in compiled.items()}
    theirs = other_apps_catalogues()
    ranked = [("shared", ours.pop("shared"))]
    for app in apps.get_app_configs():
        if app.label in ours:
            ranked.append((app.label, ours.pop(app.label)))
        elif app.label in theirs:
            ranked.append((f"Django's {app.label}", theirs[app.label]))
    assert not ours, f"catalogues of apps not installed: {sorted(ours)}"
    return [
        *ranked,
        ("Django", compiled_catalogue(Path(django.__file__).parent / "conf" / "locale")),
    ]


def winner(key, ranked) -> str:
    return next((name for name, entries in ranked if key in entries), "nobody")


@pytest.mark.parametrize("po", CATALOGUES, ids=catalogue_name)
def test_every_entry_reads_on_screen_as_its_catalogue_translates_it(po, compiled):
    ranked = catalogues_by_rank(compiled)

    with translation.override(LANGUAGE):
        shadowed = [
            f"{catalogue_name(po)}: {readable(key)} should read {ours} "
            f"but reads {shown} ({winner(key, ranked)}'s)"
            for key, ours in compiled[po].items()
            if (shown := what_django_shows(key)) != ours
        ]

    assert not shadowed, f"{len(shadowed)} entries read otherwise:\n" + "\n".join(shadowed)


@pytest.mark.parametrize("po", CATALOGUES, ids=catalogue_name)
def test_no_entry_of_ours_is_translated_otherwise_by_djangos_own_apps(po, compiled):
    # Either way round it is wrong: an app's catalogue loses to Django's contrib apps, which come
    # first in INSTALLED_APPS; the shared catalogue wins over them and rewords the admin's pages.
    # (Django's core catalogue, under all of them, is left out: its words are the forms' own.)
    differing = [
        f"{catalogue_name(po)}: {readable(key)} reads {ours} here, {theirs[key]} in {name}"
        for name, theirs in other_apps_catalogues().items()
        for key, ours in compiled[po].items()
        if key in theirs and theirs[key] != ours
    ]

    assert not differing, "\n".join(differing)


@pytest.mark.parametrize("po", CATALOGUES, ids=catalogue_name)
def test_no_entry_is_empty_or_fuzzy(po):
    fuzzy = gettext_tool("msgattrib", "--only-fuzzy", "--no-wrap", str(po))
    empty = gettext_tool("msgattrib", "--untranslated", "--no-wrap", str(po))

    assert not fuzzy, f"fuzzy entries in {po}:\n{fuzzy}"
    assert not empty, f"empty entries in {po}:\n{empty}"


@pytest.mark.parametrize("po", CATALOGUES, ids=catalogue_name)
def test_the_compiled_catalogue_is_up_to_date(po, compiled):
    mo = po.with_suffix(".mo")

    assert mo.exists(), f"{mo} is missing: run compilemessages"
    assert entries_of_mo(mo) == compiled[po], f"{mo} is older than its .po: run compilemessages"


def test_every_catalogue_is_read():
    """The shared catalogue and every app that has one: a catalogue this test did not find
    would go unchecked."""
    found = {po.parents[3] for po in CATALOGUES}

    assert PACKAGE_DIR in found
    assert Path(settings.LOCALE_PATHS[0]) == PACKAGE_DIR / "locale"
    assert found - {PACKAGE_DIR} == {
        Path(app.path)
        for app in apps.get_app_configs()
        if app.name.startswith("cuncun.") and (Path(app.path) / "locale").is_dir()
    }
