"""The trace demo: stations, bases, batches with a blend, one failed and blocked batch,
certificates, and the market's tea cake filled from the blend; running it twice changes nothing."""

from cuncun.catalog import demo as catalog_demo
from cuncun.merchants import demo as merchants_demo
from cuncun.network import demo as network_demo
from cuncun.trace import demo, lineage
from cuncun.trace.models import Batch, BatchStatus, Certificate, TestingStation, TraceEvent
from cuncun.trace.queries import current_certificate


def test_the_demo_traces_a_blend_to_the_market_and_blocks_a_failed_batch(plan):
    network_demo.load_demo()
    merchants_demo.load_demo()
    catalog_demo.load_demo()

    demo.load_demo()
    demo.load_demo()

    assert TestingStation.objects.count() == len(demo.STATIONS)
    assert Batch.objects.count() == 4 and not Batch.objects.filter(is_demo=False).exists()
    (blocked,) = Batch.objects.filter(status=BatchStatus.BLOCKED)
    assert blocked.product.name == "香蕉"
    blend = Batch.objects.get(base__isnull=True)
    assert len(lineage.ancestor_ids(blend.pk)) == 2
    assert Certificate.objects.count() == 2
    assert current_certificate(blend.product).batch == blend
    assert blend.stock_fills.exists()
    assert TraceEvent.objects.filter(batch=blend, biz_step="stocking").exists()
