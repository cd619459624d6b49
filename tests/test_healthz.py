"""GET /healthz: the operator's first question is whether the service and its database answer."""

from tortoise import connections


async def test_healthz_answers_ok_with_the_database_up(api):
    response = await api.get("/healthz")
    assert response.status == 200
    assert (await response.json())["database"] == "ok"


async def test_healthz_answers_503_when_the_database_is_gone(api):
    await connections.close_all(discard=False)
    default = connections.get("default")

    async def broken(*args, **kwargs):
        raise OSError("database went away")

    default.execute_query = broken  # the connection object itself fails, as a dead server would
    response = await api.get("/healthz")
    assert response.status == 503


async def test_unknown_path_is_a_json_404(api):
    response = await api.get("/nowhere")
    assert response.status == 404
    assert await response.json() == {"detail": "Not found."}
