"""The express carriers that serve rural China, with their standard codes (the codes carriers'
own APIs and the tracking aggregators use): network's list.

They are reference data every install has: migration 0002_standard_carriers installs them, and
the demo calls the same function. A carrier added to this list later needs a new migration that
calls `install_standard_carriers` again; any other carrier the county office adds on its page
(`services.add_carrier`).
"""

from cuncun.network.models import STANDARD_CARRIERS, Carrier


def install_standard_carriers(carrier_model=Carrier) -> dict:
    """Each standard carrier by its code, created or given its standard name; safe to run again.
    A migration passes its historical model."""
    return {
        code: carrier_model.objects.update_or_create(code=code, defaults={"name": name})[0]
        for code, name in STANDARD_CARRIERS
    }
