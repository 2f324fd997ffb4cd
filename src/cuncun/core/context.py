from django.conf import settings


def layout(request):
    """What the shared layout needs on every page."""
    return {"demo_mode": settings.CUNCUN_DEMO}
