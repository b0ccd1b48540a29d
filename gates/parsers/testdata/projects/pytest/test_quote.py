# Sample project for golive's JUnit fixtures: every outcome pytest writes to --junitxml.
import pytest


def premium(base, rate):
    return round(base * rate, 2)


def test_premium_passes():
    assert premium(100, 1.5) == 150


def test_premium_rounding_fails():
    assert premium(10.005, 1) == 10.02, "BUG-101 premium rounding off by one cent"


@pytest.mark.skip(reason="quote PDF not implemented")
def test_quote_pdf_skipped():
    pass


@pytest.mark.xfail(reason="BUG-103 known defect, accepted")
def test_expected_failure_xfail():
    assert premium(1, 1) == 2


@pytest.mark.xfail(reason="fixed since, still marked")
def test_unexpected_pass_xpass():
    assert premium(1, 1) == 1


@pytest.mark.parametrize("rate", [1, 2, 3])
def test_parametrized(rate):
    assert premium(1, rate) == rate


@pytest.fixture
def broken_teardown():
    yield "resource"
    raise RuntimeError("teardown could not release the resource")


def test_fails_then_teardown_errors(broken_teardown):
    assert broken_teardown == "other", "call phase fails"


def test_passes_then_teardown_errors(broken_teardown):
    assert broken_teardown == "resource"


@pytest.fixture
def broken_setup():
    raise RuntimeError("setup could not open the database")


def test_setup_errors(broken_setup):
    pass
