"""Uploaded files are answered by the app that knows who may see them, never from a public
folder: each app's view finds the row through its queries (what the person may see; 404 when
they may not) and answers its file with `stored_file_response`. Each file's field is a
`ProtectedFileField`, whose `.url` (what the admin links) is that view, never MEDIA_URL.

The answer's kind comes from the stored name (or from the bytes, where the app read them at
upload), never from what the uploading browser claimed; images and PDFs open in the browser,
anything else is downloaded, and nothing is sniffed into HTML. With `CUNCUN_MEDIA_ACCEL` set (a
deployment behind nginx), the app only says which file: nginx sends it from its `internal`
location, so a worker is not held for the length of a download on a slow village link.
"""

import mimetypes
from urllib.parse import quote

from django.conf import settings
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header

# Kinds a browser shows without running anything from the file (SVG can carry scripts).
INLINE_TYPES = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "application/pdf",
}
UNKNOWN_TYPE = "application/octet-stream"
# Public files (a product on sale, a serving site): a phone keeps them a day. A file's address
# names one row, and a row's file is never replaced in place, so a cached copy is never stale.
PUBLIC_CACHE = "public, max-age=86400"
PRIVATE_CACHE = "private, no-store"
# An uploaded file opened on the site runs no script and posts nowhere, whatever it holds (the
# site's own policy would let it run the site's scripts); no stricter, so that a PDF still shows.
# nginx's internal location repeats it (deploy/nginx/cuncun.conf).
UPLOAD_POLICY = "script-src 'none'; form-action 'none'; frame-ancestors 'none'"


class ProtectedFieldFile(FieldFile):
    @property
    def url(self) -> str:
        """The address of the view that answers this file to those who may see it."""
        self._require_file()
        if self.instance.pk is None:
            raise ValueError(f"{self.field.name} has no address before its row is saved.")
        return reverse(self.field.served_by, args=[self.instance.pk])


class ProtectedFileField(models.FileField):
    """An uploaded file whose address is its app's checked view, named by `served_by` (a URL
    name taking the row's pk), instead of the storage's MEDIA_URL: there is no public folder."""

    attr_class = ProtectedFieldFile

    def __init__(self, *args, served_by: str, **kwargs):
        self.served_by = served_by
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, path, args, {**kwargs, "served_by": self.served_by}


def stored_type(name: str) -> str:
    """The kind of a stored file, from its name; a compressed or unknown one is only bytes."""
    kind, encoding = mimetypes.guess_type(name, strict=False)
    return UNKNOWN_TYPE if kind is None or encoding else kind


def stored_file_response(
    stored: FieldFile, *, public: bool, content_type: str = ""
) -> HttpResponse:
    """The answer for a file the person may see. `public` says whether anyone may (then shared
    caches keep it); `content_type` is for a kind the app read from the file's own bytes."""
    if not stored:
        raise Http404()
    kind = content_type or stored_type(stored.name)
    filename = stored.name.rsplit("/", 1)[-1]
    accel = settings.CUNCUN_MEDIA_ACCEL
    if accel:
        response = HttpResponse(content_type=kind)
        # nginx unescapes this path (and refuses "..") before looking in its internal location.
        response["X-Accel-Redirect"] = accel + quote(stored.name)
    else:
        try:
            response = FileResponse(stored.open("rb"), content_type=kind)
        except FileNotFoundError as missing:
            raise Http404() from missing
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=kind not in INLINE_TYPES, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = UPLOAD_POLICY
    response["Cache-Control"] = PUBLIC_CACHE if public else PRIVATE_CACHE
    return response
