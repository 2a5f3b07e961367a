"""``infra/cluster up|down|status``: the local cluster's servers and service processes.

``up`` starts Kafka, PostgreSQL and Redis on 127.0.0.1 (each keeps its port from one ``up`` to
the next while the port is free), writes their addresses to ``cluster.env``, starts the service
processes with those variables and prints where each listens. ``down`` stops everything; the
data stays for the next ``up`` unless ``--delete-data`` is given.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from infra.kafka_server import KafkaServer
from infra.postgres_server import PostgresServer
from infra.processes import (
    ServerStartError,
    free_port,
    is_alive,
    port_is_free,
    read_pid,
)
from infra.redis_server import RedisServer
from infra.service_process import ServiceProcess
from shared.settings import get_settings

log = logging.getLogger(__name__)

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = REPOSITORY / ".datafantasi" / "cluster"


# The services' own processes (``python -m datafantasi.serve NAME``), in start order: started
# after the servers with the variables of cluster.env in their environment, stopped before them.
# The api process also hosts ingest and search (datafantasi/processes.py gives the reason); the
# worker runs jobs from Redis (datafantasi/worker.py).
SERVICES: tuple[str, ...] = ("embedding", "api", "worker")
# Seconds ``up`` waits for a service process to serve /health; most of it is imports.
SERVICE_START_TIMEOUT_S = 180.0


@dataclass
class Cluster:
    folder: Path
    kafka: KafkaServer
    postgres: PostgresServer
    redis: RedisServer
    service_ports: dict[str, int] = field(default_factory=dict)

    @property
    def env_path(self) -> Path:
        return self.folder / "cluster.env"

    def environment(self) -> dict[str, str]:
        return {
            "DATAFANTASI_BUS__BACKEND": "kafka",
            "DATAFANTASI_BUS__BOOTSTRAP_SERVERS": self.kafka.bootstrap_servers,
            "DATAFANTASI_DATABASE__URL": self.postgres.url,
            "DATAFANTASI_REDIS__URL": self.redis.url,
            "DATAFANTASI_JOBS__BACKEND": "celery",
            # API processes share their rate-limit counters in Redis.
            "DATAFANTASI_API__RATE_LIMIT_BACKEND": "redis",
            # Originals, thumbnails, the vector store and the operator token; the models stay
            # where the embedded mode keeps them, so one download serves both modes.
            "DATAFANTASI_DATA_DIR": str(self.folder / "data"),
            "DATAFANTASI_EMBEDDING__MODEL_STORE": str(get_settings().model_store.resolve()),
            "DATAFANTASI_API__HOST": "127.0.0.1",
            "DATAFANTASI_API__PORT": str(self.service_ports["api"]),
            "DATAFANTASI_EMBEDDING__PORT": str(self.service_ports["embedding"]),
            "DATAFANTASI_JOBS__WORKER_PORT": str(self.service_ports["worker"]),
        }

    def services(self) -> list[ServiceProcess]:
        """Return the service processes in start order, with the cluster's variables."""
        environment = self.environment()
        return [
            ServiceProcess(name, self.service_ports[name], self.folder / "services", environment)
            for name in SERVICES
        ]

    def addresses(self) -> list[tuple[str, str, bool]]:
        """Return (server, address, running) for each server."""
        return [
            ("kafka", self.kafka.bootstrap_servers, self.kafka.is_running()),
            ("postgres", f"127.0.0.1:{self.postgres.port}", self.postgres.is_running()),
            ("redis", f"127.0.0.1:{self.redis.port}", self.redis.is_running()),
        ]


def load_cluster(folder: Path) -> Cluster:
    """Build the cluster from the ports recorded in ``cluster.json``, choosing free ones anew."""
    state_path = folder / "cluster.json"
    ports: dict[str, int] = json.loads(state_path.read_text()) if state_path.exists() else {}

    def port(name: str) -> int:
        recorded = ports.get(name)
        if recorded is not None and port_is_free(recorded):
            return recorded
        return free_port()

    cluster = Cluster(
        folder=folder,
        kafka=KafkaServer(
            folder / "kafka",
            port=ports.get("kafka", 0),
            controller_port=ports.get("kafka_controller", 0),
            max_message_bytes=get_settings().bus.max_message_bytes,
        ),
        postgres=PostgresServer(folder / "postgres", port=ports.get("postgres", 0)),
        redis=RedisServer(folder / "redis", port=ports.get("redis", 0)),
    )
    # A running server keeps its port; a stopped one takes its old port back if it is free.
    if not cluster.kafka.is_running():
        cluster.kafka.port = port("kafka")
        cluster.kafka.controller_port = port("kafka_controller")
    if not cluster.postgres.is_running():
        cluster.postgres.port = port("postgres")
    if not cluster.redis.is_running():
        cluster.redis.port = port("redis")
    for name in SERVICES:
        pid = read_pid(folder / "services" / f"{name}.pid")
        running = pid is not None and is_alive(pid)
        cluster.service_ports[name] = ports.get(name, 0) if running else port(name)
    return cluster


def save_ports(cluster: Cluster) -> None:
    cluster.folder.mkdir(parents=True, exist_ok=True)
    ports = {
        "kafka": cluster.kafka.port,
        "kafka_controller": cluster.kafka.controller_port,
        "postgres": cluster.postgres.port,
        "redis": cluster.redis.port,
        **cluster.service_ports,
    }
    (cluster.folder / "cluster.json").write_text(json.dumps(ports, indent=2) + "\n")


def write_env_file(cluster: Cluster) -> None:
    lines = [
        "# The local cluster's addresses, written by `infra/cluster up`.",
        f"# Export them into a shell with: set -a; . {cluster.env_path}; set +a",
        *(f"{name}={value}" for name, value in cluster.environment().items()),
    ]
    cluster.env_path.write_text("\n".join(lines) + "\n")
    # It contains the database password.
    cluster.env_path.chmod(0o600)


def up(cluster: Cluster) -> None:
    save_ports(cluster)
    for name, server in (("kafka", cluster.kafka), ("postgres", cluster.postgres),
                         ("redis", cluster.redis)):
        if server.is_running():
            log.info("%s is already running", name)
            continue
        log.info("starting %s", name)
        server.start()
    write_env_file(cluster)
    start_services(cluster)


def down(cluster: Cluster, *, delete_data: bool) -> None:
    stop_services(cluster)
    cluster.redis.stop()
    cluster.postgres.stop()
    cluster.kafka.stop()
    if delete_data:
        shutil.rmtree(cluster.folder, ignore_errors=True)


def start_services(cluster: Cluster) -> None:
    """Start the service processes that are not running, and wait until each serves /health.

    A process that serves /health but is not ready (the embedding process without model weights, for
    one) keeps running, and ``status`` shows it as degraded with its log.
    """
    services = [service for service in cluster.services() if not service.is_running()]
    for service in services:
        service.launch()
        log.info("started the %s process, logging to %s", service.name, service.log_path)
    for service in services:
        service.wait_until_ready(SERVICE_START_TIMEOUT_S, serving=True)


def stop_services(cluster: Cluster) -> None:
    for service in reversed(cluster.services()):
        service.stop()


def print_status(cluster: Cluster) -> bool:
    """Print each server's and service's address and state; returns whether all of them run."""
    rows = cluster.addresses()
    for name, address, running in rows:
        print(f"{name:<9} {address:<22} {'running' if running else 'stopped'}")
    services_running = True
    for service in cluster.services():
        state = service.health() if service.is_running() else "stopped"
        if state is None:
            state = "starting"
        services_running = services_running and state != "stopped"
        note = f"  (see {service.log_path})" if state != "ready" else ""
        print(f"{service.name:<9} {service.url:<22} {state}{note}")
    if cluster.env_path.exists():
        print(f"environment: {cluster.env_path}")
    return services_running and all(running for _name, _address, running in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="infra/cluster",
        description="Start, stop or show the local cluster's Kafka, PostgreSQL, Redis and "
        "service processes.",
    )
    parser.add_argument("command", choices=("up", "down", "status"))
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(os.environ.get("DATAFANTASI_CLUSTER_DIR", DEFAULT_FOLDER)),
        help="folder for the servers' data, logs and cluster.env "
        "(default: $DATAFANTASI_CLUSTER_DIR or .datafantasi/cluster)",
    )
    parser.add_argument(
        "--delete-data", action="store_true", help="with down: also delete the folder"
    )
    arguments = parser.parse_args(argv)

    folder = arguments.dir.resolve()
    if arguments.command != "up" and not (folder / "cluster.json").exists():
        print(f"no cluster in {folder}. Start one with: infra/cluster up")
        return 0 if arguments.command == "down" else 3
    cluster = load_cluster(folder)
    if arguments.command == "up":
        try:
            up(cluster)
        except ServerStartError as error:
            log.error("%s", error)
            return 1
        return 0 if print_status(cluster) else 1
    if arguments.command == "down":
        down(cluster, delete_data=arguments.delete_data)
        print_status(cluster)
        return 0
    return 0 if print_status(cluster) else 3


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # kafka-python logs every refused connection while the broker starts.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    sys.exit(main())
