from django.conf import settings


def layout(request):
    """What the shared layout needs on every page."""
    return {"demo_mode": settings.CUNCUN_DEMO}


# In a menu entry's roles: someone not logged in (a buyer's account is the role "").
VISITOR = "visitor"


def navigation(request):
    """Menu entries the apps declare on their AppConfig (`nav_items`), in app order: each is
    `(label, url name)` for everyone or `(label, url name, roles)` for people in those roles
    (`VISITOR` for someone not logged in), so that each person's menu holds what their role uses
    and no more (the pages still check for themselves)."""
    from cuncun.core.rooms import cuncun_apps

    user = request.user
    return {
        "nav_items": [
            item[:2]
            for config in cuncun_apps()
            for item in getattr(config, "nav_items", [])
            if _shown_to(user, item[2] if len(item) > 2 else None)
        ]
    }


def _shown_to(user, roles) -> bool:
    if roles is None:
        return True
    if not user.is_authenticated:
        return VISITOR in roles
    return user.is_authenticated and (user.is_superuser or user.role in roles)
