"""The servers of the local cluster mode (Kafka, PostgreSQL, Redis), started on 127.0.0.1."""
