"""A single-node Apache Kafka broker in KRaft mode (broker and controller in one JVM).

The broker's jars come from Maven Central: ``mvn dependency:copy-dependencies`` on
infra/kafka/pom.xml copies kafka_2.13 and its dependency closure into a cache folder outside the
repository, once per version. The broker listens on 127.0.0.1 only and keeps its data under the
folder it is given.
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from infra.processes import (
    HOST,
    ServerStartError,
    accepts_connections,
    is_alive,
    read_pid,
    spawn,
    stop_process,
    wait_until_ready,
)

log = logging.getLogger(__name__)

KAFKA_VERSION = "4.1.1"
NODE_ID = 1
POM = Path(__file__).resolve().parent / "kafka" / "pom.xml"
LOG4J_CONFIG = Path(__file__).resolve().parent / "kafka" / "log4j2.properties"

# C1-only compilation starts the broker faster: ready after 12-15 s against 23 s with the default
# JIT, measured on 2 shared cores. A local broker moves little data, so C2's peak speed is not
# missed.
JVM_OPTIONS = (
    "-XX:TieredStopAtLevel=1",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-Djava.awt.headless=true",
)


def jar_cache_root() -> Path:
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "datafantasi"


def install_broker(version: str = KAFKA_VERSION) -> Path:
    """Return the folder of the broker's jars, copying them from Maven Central on first use.

    Maven keeps the downloaded artifacts in ~/.m2 as well, so a second install is a local copy.
    """
    libs = jar_cache_root() / f"kafka-{version}" / "libs"
    if (libs / f"kafka_2.13-{version}.jar").exists():
        return libs
    if shutil.which("mvn") is None:
        raise ServerStartError("mvn not found. Install Maven 3.8+ and Java 17+ to run Kafka")
    libs.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="libs-", dir=libs.parent))
    log.info("copying Kafka %s and its dependencies from Maven into %s", version, libs)
    result = subprocess.run(
        [
            "mvn", "-B", "-q", "-f", str(POM),
            "dependency:copy-dependencies",
            f"-Dkafka.version={version}",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise ServerStartError(
            f"mvn failed to fetch Kafka {version}:\n{(result.stdout + result.stderr)[-3000:]}"
        )
    try:
        # Another process may have finished the same install meanwhile, and either copy will do.
        staging.rename(libs)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
    return libs


def new_cluster_id() -> str:
    while True:
        # Kafka's own Uuid format. Kafka avoids ids that start with "-", which look like options.
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


@dataclass
class KafkaServer:
    folder: Path
    port: int
    controller_port: int
    max_message_bytes: int = 1_048_576
    heap: str = "512m"
    version: str = KAFKA_VERSION

    @property
    def bootstrap_servers(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.folder / "server.log"

    @property
    def pid_path(self) -> Path:
        return self.folder / "server.pid"

    @property
    def config_path(self) -> Path:
        return self.folder / "server.properties"

    @property
    def data_path(self) -> Path:
        return self.folder / "data"

    def start(self, timeout_s: float = 180.0) -> float:
        """Start the broker and wait until it serves metadata, returning the seconds that took.

        The first start formats the storage. Later starts keep the topics, records and offsets.
        """
        libs = install_broker(self.version)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self._server_properties())
        if not (self.data_path / "meta.properties").exists():
            self._format_storage(libs)
        pid = spawn(
            [*self._java(libs), "kafka.Kafka", str(self.config_path)],
            self.log_path,
            self.pid_path,
        )
        seconds = wait_until_ready(
            "Kafka", self._serves_metadata, pid=pid, log_path=self.log_path, timeout_s=timeout_s
        )
        log.info("Kafka %s ready on %s after %.1f s", self.version, self.bootstrap_servers, seconds)
        return seconds

    def stop(self, timeout_s: float = 60.0) -> None:
        pid = read_pid(self.pid_path)
        if pid is not None:
            # SIGTERM makes the broker shut down cleanly: logs flushed, no recovery on restart.
            stop_process(pid, timeout_s)
        self.pid_path.unlink(missing_ok=True)

    def restart(self, timeout_s: float = 180.0) -> float:
        self.stop()
        return self.start(timeout_s)

    def is_running(self) -> bool:
        pid = read_pid(self.pid_path)
        return pid is not None and is_alive(pid) and accepts_connections(self.port)

    def _java(self, libs: Path) -> list[str]:
        return [
            "java",
            "-Xms128m",
            f"-Xmx{self.heap}",
            *JVM_OPTIONS,
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
            f"-Dkafka.logs.dir={self.folder}",
            "-cp",
            f"{libs}/*",
        ]

    def _format_storage(self, libs: Path) -> None:
        result = subprocess.run(
            [
                *self._java(libs), "kafka.tools.StorageTool", "format",
                "--cluster-id", new_cluster_id(), "--config", str(self.config_path),
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise ServerStartError(
                f"formatting Kafka storage in {self.data_path} failed:\n"
                f"{(result.stdout + result.stderr)[-3000:]}"
            )

    def _server_properties(self) -> str:
        settings = {
            "process.roles": "broker,controller",
            "node.id": NODE_ID,
            "controller.quorum.voters": f"{NODE_ID}@{HOST}:{self.controller_port}",
            "listeners": f"PLAINTEXT://{HOST}:{self.port},CONTROLLER://{HOST}:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{HOST}:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": self.data_path,
            "message.max.bytes": self.max_message_bytes,
            # Topics are created by the bus with their partitions and retention, never by a
            # producer's first record with the broker's defaults.
            "auto.create.topics.enable": "false",
            # One node: every internal topic has one replica.
            "offsets.topic.replication.factor": 1,
            "transaction.state.log.replication.factor": 1,
            "transaction.state.log.min.isr": 1,
            "share.coordinator.state.topic.replication.factor": 1,
            "share.coordinator.state.topic.min.isr": 1,
            # Fewer partitions than the default 50 make the first consumer group start faster.
            "offsets.topic.num.partitions": 6,
            "group.initial.rebalance.delay.ms": 0,
            # The broker's default minimum session is 6 s. This one lets tests use sessions of a
            # few seconds.
            "group.min.session.timeout.ms": 1000,
        }
        return "".join(f"{key}={value}\n" for key, value in settings.items())

    def _serves_metadata(self) -> bool:
        if not accepts_connections(self.port):
            return False
        # Imported here so that the cluster script's other commands work without kafka-python.
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        try:
            admin = KafkaAdminClient(
                bootstrap_servers=self.bootstrap_servers,
                client_id="datafantasi-readiness",
                bootstrap_timeout_ms=3000,
                request_timeout_ms=3000,
            )
        except KafkaError:
            return False
        try:
            cluster = admin.describe_cluster()
        except KafkaError:
            return False
        finally:
            admin.close()
        # A broker serves clients only once the controller has unfenced it.
        return any(
            broker["broker_id"] == NODE_ID and not broker.get("is_fenced", False)
            for broker in cluster["brokers"]
        )
