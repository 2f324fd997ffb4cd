"""A stored file's answer (core.files): its kind from the stored name whatever the upload
claimed, shown in the browser only when it is an image or a PDF, never sniffed, cached only when
public; behind nginx, an X-Accel-Redirect to the internal location instead of the bytes."""

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import FileField
from django.db.models.fields.files import FieldFile
from django.http import Http404
from django.test import RequestFactory
from django.urls import resolve, reverse

from cuncun.core.files import ProtectedFileField, stored_file_response
from cuncun.core.middleware import ContentSecurityPolicyMiddleware

pytestmark = pytest.mark.usefixtures("media_root")


def stored(name: str, content: bytes = b"%PDF-1.4 x") -> FieldFile:
    """A file saved as an upload would be, under the name the storage gave it."""
    saved = default_storage.save(name, ContentFile(content))
    return FieldFile(None, FileField(name="file"), saved)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_pdf_opens_in_the_browser_with_its_bytes_and_no_shared_cache():
    response = stored_file_response(stored("funds/evidence/2017/slip.pdf"), public=False)

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="slip.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert body(response) == b"%PDF-1.4 x"


def test_the_kind_comes_from_the_stored_name_and_a_page_is_downloaded_not_shown():
    # Whatever type the uploading browser claimed, the name decides; HTML is never shown inline.
    response = stored_file_response(
        stored("oversight/evidence/report.html", b"<script>alert(1)</script>"), public=False
    )

    assert response["Content-Type"] == "text/html"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'none'" in response["Content-Security-Policy"]


def test_an_svg_picture_is_downloaded_since_it_can_carry_scripts():
    response = stored_file_response(stored("products/logo.svg", b"<svg/>"), public=True)

    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_file_of_unknown_kind_is_plain_bytes_to_download():
    response = stored_file_response(stored("funds/documents/notes", b"x"), public=False)

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="notes"'


def test_a_chinese_file_name_is_given_encoded():
    response = stored_file_response(stored("funds/documents/验收报告.docx", b"PK"), public=False)

    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E9%AA%8C%E6%94%B6%E6%8A%A5%E5%91%8A.docx"
    )


def test_a_public_photo_may_be_kept_by_caches():
    response = stored_file_response(stored("products/tea.jpg", b"\xff\xd8\xff"), public=True)

    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'inline; filename="tea.jpg"'
    assert response["Cache-Control"] == "public, max-age=86400"


def test_a_kind_read_from_the_bytes_wins_over_the_name():
    response = stored_file_response(
        stored("tourism/photos/room.jpg", b"\x89PNG\r\n\x1a\n"),
        public=True,
        content_type="image/png",
    )

    assert response["Content-Type"] == "image/png"


def test_a_file_missing_from_the_disk_or_never_uploaded_is_not_found():
    with pytest.raises(Http404):
        stored_file_response(FieldFile(None, FileField(name="f"), "gone/slip.pdf"), public=False)
    with pytest.raises(Http404):
        stored_file_response(FieldFile(None, FileField(name="f"), ""), public=False)


def test_behind_nginx_the_answer_names_the_file_in_the_internal_location(settings):
    settings.CUNCUN_MEDIA_ACCEL = "/protected-media/"
    file = FieldFile(None, FileField(name="f"), "funds/evidence/2017/回单 1.pdf")

    response = stored_file_response(file, public=False)

    assert response["X-Accel-Redirect"] == (
        "/protected-media/funds/evidence/2017/%E5%9B%9E%E5%8D%95%201.pdf"
    )
    assert response.content == b""  # nginx sends the bytes
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_app_has_no_public_folder_of_uploads(client, db):
    stored("funds/evidence/2017/slip.pdf")

    assert client.get("/media/funds/evidence/2017/slip.pdf").status_code == 404


def test_an_uploaded_file_keeps_its_own_policy_over_the_sites():
    """The site's policy lets a page run the site's scripts; an uploaded file runs none."""
    page = stored("oversight/evidence/notes.html", b"<script src='/static/x.js'></script>")
    site = ContentSecurityPolicyMiddleware(lambda request: stored_file_response(page, public=False))

    answered = site(RequestFactory().get("/"))

    assert answered["Content-Security-Policy"] == (
        "script-src 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def test_every_uploaded_file_is_addressed_by_a_view_of_its_own_app():
    """`.url`, which the admin links, must be a view that checks who may see the file: a plain
    FileField would link MEDIA_URL, which nothing serves."""
    fields = [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, FileField)
    ]

    assert len(fields) >= 10
    for model, field in fields:
        assert isinstance(field, ProtectedFileField), f"{model.__name__}.{field.name}"
        view = resolve(reverse(field.served_by, args=[1])).func
        assert view.__module__.startswith(f"cuncun.{model._meta.app_label}."), field.served_by
