-- Run once by the postgres image's entrypoint on a fresh volume (deploy/compose.yaml).
-- POSTGRES_USER=craftsman (superuser) and POSTGRES_DB=craftsman_test come from the environment;
-- the other databases are made here, like deploy/postgres.sh does for the local cluster.
CREATE DATABASE registry OWNER craftsman;
CREATE DATABASE competitions OWNER craftsman;
CREATE DATABASE training OWNER craftsman;
CREATE DATABASE rewards OWNER craftsman;
CREATE DATABASE dashboard OWNER craftsman;
