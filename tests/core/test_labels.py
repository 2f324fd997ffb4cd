"""A word shared by two rooms reads right in each: the shared catalogue outranks the apps'."""

from django.utils import translation

from cuncun.core.models import OutboxMessage
from cuncun.training.models import RosterImportStatus


def test_a_failed_roster_import_reads_failed_not_failed_to_send():
    with translation.override("zh-hans"):
        roster = str(dict(RosterImportStatus.choices)[RosterImportStatus.FAILED])
        message = str(dict(OutboxMessage.Status.choices)[OutboxMessage.Status.FAILED])

    assert roster == "失败"
    assert message == "发送失败"
