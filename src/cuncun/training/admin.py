"""Admin: for looking things up. Writes go through the training pages (services); personal data is
shown masked here as everywhere but the training office's pages."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cuncun.core.admin import ReadOnlyAdmin
from cuncun.training.models import (
    Attendance,
    Certificate,
    Course,
    RosterImport,
    Trainee,
    TrainingSession,
)


@admin.register(Course)
class CourseAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "forms_talents", "is_demo"]
    list_filter = ["kind", "forms_talents"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(ReadOnlyAdmin):
    list_display = ["code", "course", "starts_on", "ends_on", "region", "funding_source", "cost"]
    list_filter = ["course__kind", "funding_source"]
    search_fields = ["code", "title", "place"]
    date_hierarchy = "starts_on"


@admin.register(Trainee)
class TraineeAdmin(ReadOnlyAdmin):
    list_display = ["name", "masked_id", "gender", "ethnicity", "region", "is_demo"]
    search_fields = ["name"]
    fields = ["name", "masked_id", "gender", "birth_date", "ethnicity", "region", "is_demo"]
    readonly_fields = fields

    @admin.display(description=_("ID number"))
    def masked_id(self, obj):
        return obj.masked_id_number


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["session", "trainee", "day", "source"]
    list_filter = ["source"]
    list_select_related = ["session", "trainee"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "trainee", "session", "issued_on", "revoked_on"]
    list_select_related = ["session", "trainee"]


@admin.register(RosterImport)
class RosterImportAdmin(ReadOnlyAdmin):
    list_display = ["session", "file_name", "status", "total_rows", "good_rows", "bad_rows"]
    exclude = ["content"]
