"""Who may see what: every user acts within one subtree of the region tree.

`accounts.User.scope` says which subtree; the public (anonymous) has no region and sees only what a
model declares public. Every app's QuerySet inherits `visible_to(user)` from `ScopedQuerySet` and
names how its rows hang off the tree, so the rule is written once.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from cuncun.core.errors import OutOfScope


@dataclass(frozen=True)
class Scope:
    # Materialised path of the region the user acts in ("/1/4/"); None for the public.
    region_path: str | None
    role: str = "public"

    @property
    def is_public(self) -> bool:
        return self.region_path is None

    def covers(self, path: str | None) -> bool:
        return (
            self.region_path is not None and path is not None and path.startswith(self.region_path)
        )


PUBLIC = Scope(region_path=None)
EVERYWHERE = Scope(region_path="/", role="superuser")


def scope_of(user) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False):
        return PUBLIC
    if user.is_superuser:
        return EVERYWHERE
    return user.scope


def require_in_scope(user, path: str | None, *, what: str = "") -> None:
    """Refuse an action on a row outside the user's region (server-side, whatever the UI shows)."""
    if not scope_of(user).covers(path):
        raise OutOfScope(
            _("%(what)s is outside the area you are responsible for.") % {"what": what}
            if what
            else None,
            details={"what": what},
        )


class ScopedQuerySet(models.QuerySet):
    """Base QuerySet for rows that belong to a place in the region tree."""

    # The lookup from this model to the materialised path of its region unit.
    region_path_lookup = "region__path"

    def visible_to(self, user):
        scope = scope_of(user)
        if scope.is_public:
            return self.public()
        return self.filter(**{f"{self.region_path_lookup}__startswith": scope.region_path})

    def public(self):
        """What anyone may see without logging in; nothing unless a model says otherwise."""
        return self.none()
