from cuncun.portal.homes import home_url, home_url_name


def home(request):
    """The link to one's own work in the layout's header (the landing page after login)."""
    user = request.user
    return {"my_home": home_url(user), "my_home_name": home_url_name(user)}
