"""One moto server seeded once with the 40-function fleet, behind a counting proxy."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.support.counting_proxy import CountingProxy, run_counting_proxy
from tests.support.fleet_seed import Fleet, build_fleet
from tests.support.moto_server import MotoServer, run_moto_server


@dataclass
class Stand:
    moto: MotoServer
    proxy: CountingProxy
    fleet: Fleet


@pytest.fixture(scope="session")
def stand() -> Iterator[Stand]:
    """Seeded directly (uncounted), once per test process (each pytest-xdist worker): the
    audits under test only read it, through the proxy (`through_proxy`), and the one test that
    tags a function takes the tag off again. AWS_ENDPOINT_URL points at it only while seeding;
    `through_proxy` points each test at the proxy."""
    with run_moto_server() as moto:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AWS_ENDPOINT_URL", moto.url)
            fleet = build_fleet(moto.session())
        with run_counting_proxy(moto.url) as proxy:
            yield Stand(moto=moto, proxy=proxy, fleet=fleet)


@pytest.fixture
def through_proxy(stand: Stand, monkeypatch: pytest.MonkeyPatch) -> Stand:
    """AWS_ENDPOINT_URL at the proxy, the count at zero, nothing refused."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", stand.proxy.url)
    stand.proxy.reset()
    stand.proxy.refuse = None
    return stand
