"""The loading commands say what is wrong with a file that is not text, and read GBK."""

import pytest
from django.core.management import CommandError, call_command

from cuncun.portal.demo import DIVISIONS_FILE
from cuncun.regions.models import RegionUnit

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def test_load_divisions_refuses_a_binary_file_with_a_sentence(db, tmp_path):
    path = tmp_path / "divisions.csv"
    path.write_bytes(PNG)

    with pytest.raises(CommandError, match=r"未导入|nothing was loaded"):
        call_command("load_divisions", str(path))

    assert not RegionUnit.objects.exists()


def test_load_divisions_reads_a_file_saved_in_gbk(db, tmp_path):
    path = tmp_path / "divisions.csv"
    path.write_bytes(DIVISIONS_FILE.read_text(encoding="utf-8-sig").encode("gb18030"))

    call_command("load_divisions", str(path))

    assert RegionUnit.objects.filter(name="嘎洒镇").exists()


def test_load_plan_refuses_a_binary_file_with_a_sentence(db, tmp_path):
    path = tmp_path / "plan.toml"
    path.write_bytes(PNG)

    with pytest.raises(CommandError, match=r"未导入|nothing was loaded"):
        call_command("load_plan", str(path))
