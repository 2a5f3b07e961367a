"""``python -m datafantasi.serve api|embedding|worker``: run one process of the cluster mode.

Settings come from the environment (``DATAFANTASI_*``); ``infra/cluster up`` starts every
process with the cluster's addresses. The process stops cleanly on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from datafantasi.processes import PROCESSES
from datafantasi.worker import WorkerProcess
from shared.logs import configure_logging
from shared.settings import ApiSettings, Settings

log = logging.getLogger(__name__)


def proxy_header_options(api: ApiSettings) -> dict[str, Any]:
    """Return uvicorn's proxy options: forwarded headers count only from the configured proxies.

    uvicorn otherwise trusts X-Forwarded-For from 127.0.0.1, which lets a local caller choose
    the client address that per-client rate limits count.
    """
    if not api.forwarded_allow_ips.strip():
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": api.forwarded_allow_ips}


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(
        prog="python -m datafantasi.serve",
        description="Run one service process of the cluster mode, configured by DATAFANTASI_*.",
    )
    parser.add_argument("service", choices=sorted(PROCESSES))
    arguments = parser.parse_args(argv)

    settings = Settings()
    configure_logging(settings.log_level)
    # kafka-python logs every refused connection while the broker is away.
    logging.getLogger("kafka").setLevel(logging.ERROR)
    process = PROCESSES[arguments.service](settings)
    host = settings.api.host
    log.info("starting the %s process on http://%s:%d", process.name, host, process.port)
    if isinstance(process, WorkerProcess):
        process.serve()
        return 0
    uvicorn.run(
        process.create_app(), host=host, port=process.port, log_level="warning",
        **proxy_header_options(settings.api),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
