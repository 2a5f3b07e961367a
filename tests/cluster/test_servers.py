"""PostgreSQL, Redis and the cluster script start on 127.0.0.1, take a connection and stop."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
import redis
from sqlalchemy import text

from infra import cluster
from infra.postgres_server import PostgresServer
from infra.redis_server import RedisServer
from shared.db import make_engine


def test_postgres_serves_queries_until_stopped(postgres_server: PostgresServer) -> None:
    engine = make_engine(postgres_server.url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE photo (id text PRIMARY KEY)"))
        connection.execute(text("INSERT INTO photo VALUES ('asset-1')"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id FROM photo")).scalars().all() == ["asset-1"]
        assert connection.execute(text("SELECT current_database()")).scalar() == "datafantasi"
    engine.dispose()
    wrong_password = postgres_server.url.replace(postgres_server.password(), "wrong")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong_password.replace("+psycopg", ""), connect_timeout=5)

    postgres_server.stop()

    assert not postgres_server.is_running()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(postgres_server.url.replace("+psycopg", ""), connect_timeout=5)


def test_redis_serves_commands_until_stopped(redis_server: RedisServer) -> None:
    client = redis.Redis.from_url(redis_server.url, socket_timeout=5)
    client.set("tenant-a:count", 3)
    assert client.incr("tenant-a:count") == 4
    client.close()

    redis_server.stop()

    assert not redis_server.is_running()
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(redis_server.url, socket_timeout=5).ping()


def test_cluster_script_brings_servers_up_and_down(server_folder: Path) -> None:
    folder = server_folder / "cluster"

    assert cluster.main(["up", "--dir", str(folder)]) == 0

    env = dict(
        line.split("=", 1)
        for line in (folder / "cluster.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    running = cluster.load_cluster(folder)
    assert env["DATAFANTASI_BUS__BOOTSTRAP_SERVERS"] == running.kafka.bootstrap_servers
    assert env["DATAFANTASI_DATABASE__URL"] == running.postgres.url
    assert env["DATAFANTASI_REDIS__URL"] == running.redis.url
    assert all(is_running for _name, _address, is_running in running.addresses())
    assert cluster.main(["status", "--dir", str(folder)]) == 0

    assert cluster.main(["down", "--dir", str(folder)]) == 0

    stopped = cluster.load_cluster(folder)
    assert not any(is_running for _name, _address, is_running in stopped.addresses())
    assert cluster.main(["status", "--dir", str(folder)]) == 3
