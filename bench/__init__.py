"""Benchmark harness: figures measured on the local Kafka and Postgres, each beside a baseline of the same run."""
