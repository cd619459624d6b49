"""Migrations: both dialects migrate from empty to exactly the schema the models describe."""

import pytest
from tortoise import Tortoise, connections

from booking.db import close_database, migrate, open_database
from tests.conftest import TEST_DATABASE_URL


async def schema_of_open_database() -> dict:
    """Tables -> columns (name, type, nullable) and indexes, from the database's own catalogue."""
    conn = connections.get("default")
    schema: dict = {}
    if conn.capabilities.dialect == "sqlite":
        _, tables = await conn.execute_query(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
        for row in tables:
            table = row["name"]
            _, cols = await conn.execute_query(f'PRAGMA table_info("{table}")')
            _, idx = await conn.execute_query(f'PRAGMA index_list("{table}")')
            schema[table] = {
                "columns": sorted((c["name"], c["type"].upper(), bool(c["notnull"])) for c in cols),
                "indexes": sorted((i["unique"], i["origin"]) for i in idx),
            }
        return schema
    _, cols = await conn.execute_query(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'public'"
    )
    for c in cols:
        entry = schema.setdefault(c["table_name"], {"columns": [], "indexes": []})
        entry["columns"].append((c["column_name"], c["data_type"], c["is_nullable"]))
    _, idx = await conn.execute_query(
        "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'"
    )
    for i in idx:
        schema[i["tablename"]]["indexes"].append(i["indexdef"])
    for entry in schema.values():
        entry["columns"].sort()
        entry["indexes"].sort()
    return schema


@pytest.fixture
async def second_database_url(database_url, tmp_path):
    """Another empty database of the same dialect."""
    if database_url.startswith("sqlite://"):
        yield f"sqlite://{tmp_path}/second.sqlite3"
        return
    from tests.conftest import _create_pg_database, _drop_pg_database

    url = await _create_pg_database()
    try:
        yield url
    finally:
        await _drop_pg_database(url)


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_migrations_build_exactly_the_models_schema(
    make_settings, database_url, second_database_url
):
    migrated = make_settings(DATABASE_URL=database_url)
    applied = await migrate(migrated)
    assert applied, "no migration applied to an empty database"
    await open_database(migrated)
    try:
        from_migrations = await schema_of_open_database()
    finally:
        await close_database()

    await open_database(make_settings(DATABASE_URL=second_database_url))
    try:
        await Tortoise.generate_schemas()
        from_models = await schema_of_open_database()
    finally:
        await close_database()

    assert set(from_migrations) == set(from_models)
    for table in from_models:
        assert from_migrations[table] == from_models[table], f"table {table} drifted"


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_migrating_twice_is_harmless(make_settings, database_url):
    settings = make_settings(DATABASE_URL=database_url)
    first = await migrate(settings)
    second = await migrate(settings)
    assert first and second == []


def test_postgres_tests_run_in_ci():
    """CI sets TEST_DATABASE_URL; without it the PostgreSQL half would silently be skipped."""
    import os

    if os.environ.get("CI") == "true":
        assert TEST_DATABASE_URL, "CI must set TEST_DATABASE_URL (see .ci/run)"
