"""Finding what each cuncun app offers, so that adding an app touches no shared file.

An app may have:
- `api.py` with `routes = [("/prefix/", router), …]`, mounted under /api/;
- `urls.py` with `app_name` and optionally `URL_PREFIX` (default "<label>/");
- `demo.py` with `load_demo()`, run by `cuncun load_demo` in the order of INSTALLED_APPS;
- `nav_items` on its AppConfig: `[(label, url name), …]` for the layout's menu.
"""

import importlib
from importlib.util import find_spec
from types import ModuleType

from django.apps import AppConfig, apps

PACKAGE = "cuncun."


def cuncun_apps() -> list[AppConfig]:
    """cuncun's apps in dependency order (INSTALLED_APPS lists them so)."""
    return [c for c in apps.get_app_configs() if c.name.startswith(PACKAGE)]


def app_module(config: AppConfig, name: str) -> ModuleType | None:
    dotted = f"{config.name}.{name}"
    return importlib.import_module(dotted) if find_spec(dotted) else None


def modules_named(name: str) -> list[tuple[AppConfig, ModuleType]]:
    found = ((config, app_module(config, name)) for config in cuncun_apps())
    return [(config, module) for config, module in found if module is not None]
