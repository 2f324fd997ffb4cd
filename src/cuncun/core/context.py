from django.conf import settings


def layout(request):
    """What the shared layout needs on every page."""
    return {"demo_mode": settings.CUNCUN_DEMO}


def navigation(request):
    """Menu entries the apps declare on their AppConfig (`nav_items`), in app order."""
    from cuncun.core.rooms import cuncun_apps

    return {
        "nav_items": [item for config in cuncun_apps() for item in getattr(config, "nav_items", [])]
    }
