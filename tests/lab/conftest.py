"""Lab fixtures: skip with the reason when the lab cannot run, a fresh lab per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lab.vpc_lab import Lab, Vpc, missing_requirements, standard_vpc, sweep_stale

_MISSING = missing_requirements()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Lab tests skip, saying what is missing, where namespaces cannot be made."""
    if _MISSING is None:
        return
    skip = pytest.mark.skip(reason=_MISSING)
    for item in items:
        if item.get_closest_marker("lab") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def lab_host() -> None:
    """Once per session: remove namespaces left behind by crashed runs."""
    if _MISSING is not None:
        pytest.skip(_MISSING)
    sweep_stale()


@pytest.fixture
def lab(lab_host: None) -> Iterator[Lab]:
    """An empty lab (router, function namespace); removed after the test, also on failure.

    Afterwards the test fails if the lab had any way out to the host's network.
    """
    with Lab() as built:
        yield built
        leaks = built.leaks()
    assert leaks == [], f"the lab had a way out of its namespaces: {leaks}"


@pytest.fixture
def vpc(lab: Lab) -> Vpc:
    """The usual VPC, healthy: tests break one thing in it."""
    return standard_vpc(lab)


@pytest.fixture
def vpc_without_logs(lab: Lab) -> Vpc:
    """The usual VPC with no moto behind the Logs endpoint's name: for probes run --no-aws."""
    return standard_vpc(lab, logs=False)
