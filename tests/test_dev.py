"""`wirewatch dev`, the first thing a new user runs: it must show the whole product and exit 0."""

import pytest

from streams.harness.workers import run_cli

pytestmark = pytest.mark.integration


def test_dev_shows_enriched_events_alerts_and_a_dead_letter():
    result = run_cli("dev", "--timeout", "150", timeout=240)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("● demo-") == 4
    assert "quote: “Nous n’avons plus le luxe d’attendre." in out and "— António Guterres" in out
    assert "✗ dead letter from normalize: payload is not valid JSON" in out and "deliberately broken" in out
    assert "! alert “NATO in the news” on demo-en-nato-drones" in out
    assert "! alert “UN Secretary-General quoted” on demo-fr-onu-climat" in out
    assert "sent 4 sample articles (French and English)" in result.stderr
    assert "all 5 records processed" in result.stderr and "(4 enriched, 1 dead-lettered)" in result.stderr
    assert "dashboard: http://127.0.0.1:" in result.stderr
