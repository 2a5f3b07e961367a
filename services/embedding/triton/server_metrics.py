"""Triton's own Prometheus metrics, scraped and served again on this process's ``/metrics``.

Triton publishes per-model request counts, queue and compute durations and, on GPU machines,
GPU utilisation and memory on its metrics port (8002 by default). The embedding service reads
that page each time its own ``/metrics`` is scraped and adds the families unchanged (the
``nv_`` names Triton's dashboards use), so one scrape target covers the client and the server.
Where Prometheus can reach Triton directly, scraping it there is equally good.
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)


class TritonServerMetrics(Collector):
    """A Prometheus collector that fetches ``url`` (Triton's metrics page) on every collect.

    A failed fetch (unreachable, timed out, unparsable) yields only the two
    ``datafantasi_triton_server_metrics_*`` gauges, with ``up`` at 0, and is logged at WARNING at
    most once a minute, so Triton being down does not fail a scrape of this process.
    """

    def __init__(self, url: str, timeout_s: float = 2.0) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self._last_warning = float("-inf")

    def describe(self) -> Iterable[Metric]:
        # Empty, so that registering does not fetch the page: the families are known only then.
        return []

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        families: list[Metric] = []
        try:
            families = list(text_string_to_metric_families(self._fetch()))
        except (urllib.error.URLError, OSError, ValueError) as error:
            self._warn(error)
        yield from families
        up = GaugeMetricFamily(
            "datafantasi_triton_server_metrics_up",
            "1 when the last read of Triton's metrics page succeeded, else 0.",
        )
        up.add_metric([], 1.0 if families else 0.0)
        yield up
        duration = GaugeMetricFamily(
            "datafantasi_triton_server_metrics_scrape_seconds",
            "Time the last read of Triton's metrics page took.",
        )
        duration.add_metric([], time.perf_counter() - started)
        yield duration

    def _fetch(self) -> str:
        with urllib.request.urlopen(self.url, timeout=self.timeout_s) as response:
            return response.read().decode("utf-8")

    def _warn(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning >= 60.0:
            self._last_warning = now
            log.warning("could not read Triton's metrics from %s: %s", self.url, error)
