"""The express carriers that serve rural China, with their standard codes (the codes carriers'
own APIs and the tracking aggregators use): network's list, and 极兔 which came later."""

from cuncun.network.models import STANDARD_CARRIERS as NETWORK_CARRIERS

STANDARD_CARRIERS = [*NETWORK_CARRIERS, ("JTSD", "极兔速递")]
