"""Reads of accounts, from what the actor may manage."""

from django.db.models import Q

from cuncun.accounts.lockout import with_lock_state
from cuncun.accounts.models import Role, User
from cuncun.core.errors import NotFound
from cuncun.regions.queries import visible_units


def may_manage_accounts(user) -> bool:
    return user.is_authenticated and (
        user.manages_reference_data or user.role in Role.ACCOUNT_MANAGERS
    )


def manageable_users(actor, *, role: str = "", search: str = ""):
    """The county office manages every account; township staff the operators of their township."""
    if actor.manages_reference_data:
        users = User.objects.all()
    elif actor.role == Role.TOWNSHIP_STAFF:
        users = User.objects.filter(
            role__in=Role.MANAGED_BY_TOWNSHIP, region__in=visible_units(actor)
        )
    else:
        users = User.objects.none()
    if role:
        users = users.filter(role=role)
    if search.strip():
        term = search.strip()
        users = users.filter(Q(username__icontains=term) | Q(display_name__icontains=term))
    return (
        with_lock_state(users)
        .select_related("region", "region__parent")
        .order_by("role", "region__path", "id")
    )


def manageable_user(actor, pk: int) -> User:
    user = manageable_users(actor).filter(pk=pk).first()
    if user is None:
        raise NotFound()
    return user


def assignable_roles(actor) -> list[tuple[str, str]]:
    if actor.manages_reference_data:
        return Role.choices
    return [(value, label) for value, label in Role.choices if value in Role.MANAGED_BY_TOWNSHIP]


def assignable_regions(actor):
    """Where the actor may place an account: the county office anywhere, township staff in their
    township. Which level fits which role is the service's rule; the form offers all of them."""
    return visible_units(actor).select_related("parent").order_by("path")
