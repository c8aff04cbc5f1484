"""Region endpoints answer within the caller's jurisdiction and 404 outside it."""

import pytest
from django.core.management import call_command
from django.test import Client
from shapely.geometry import shape

from conftest import TOWNSHIP_A, TOWNSHIP_B
from gridgov.accounts.models import User

pytestmark = pytest.mark.django_db


def test_the_tree_starts_at_the_callers_township(client_for, dispatcher_a):
    rows = client_for(dispatcher_a).get("/api/v1/regions/tree").json()
    assert [r["code"] for r in rows] == [TOWNSHIP_A]
    assert rows[0]["child_count"] >= 1


def test_the_tree_of_the_county_dispatcher_starts_at_the_county(client_for, county_dispatcher):
    rows = client_for(county_dispatcher).get("/api/v1/regions/tree").json()
    assert [r["level"] for r in rows] == ["county"]
    children = client_for(county_dispatcher).get(f"/api/v1/regions/tree?parent={rows[0]['code']}").json()
    assert len(children) == 14


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/regions/{TOWNSHIP_B}",
        f"/api/v1/regions/tree?parent={TOWNSHIP_B}",
        f"/api/v1/regions/{TOWNSHIP_B}/geojson",
        "/api/v1/regions/330784000000",
        "/api/v1/units/t002-command",
        "/api/v1/regions/000000",
        "/api/v1/units/no-such-unit",
    ],
)
def test_township_b_and_unknown_objects_answer_404_to_township_a(client_for, dispatcher_a, path):
    response = client_for(dispatcher_a).get(path)
    assert response.status_code == 404
    assert "西城" not in response.content.decode()


def test_detail_shows_only_visible_ancestors(client_for, dispatcher_a, first_grid):
    grid = first_grid(TOWNSHIP_A)
    body = client_for(dispatcher_a).get(f"/api/v1/regions/{grid.code}").json()
    assert [a["code"] for a in body["ancestors"]] == [TOWNSHIP_A, grid.parent.code]


def test_geojson_returns_the_townships_grids(client_for, dispatcher_a):
    body = client_for(dispatcher_a).get(f"/api/v1/regions/{TOWNSHIP_A}/geojson?level=grid").json()
    assert body["type"] == "FeatureCollection"
    assert body["features"] and all(
        f["properties"]["code"].startswith(TOWNSHIP_A[:9]) for f in body["features"]
    )


def test_geojson_with_an_unknown_level_is_a_422(client_for, dispatcher_a):
    assert (
        client_for(dispatcher_a).get(f"/api/v1/regions/{TOWNSHIP_A}/geojson?level=planet").status_code == 422
    )


def test_locate_answers_only_grids_in_scope(client_for, dispatcher_a, first_grid):
    inside_a = shape(first_grid(TOWNSHIP_A).geometry).representative_point()
    inside_b = shape(first_grid(TOWNSHIP_B).geometry).representative_point()
    response = client_for(dispatcher_a).post(
        "/api/v1/regions/locate",
        {"points": [[inside_a.x, inside_a.y], [inside_b.x, inside_b.y], [0.0, 0.0]]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["grids"] == [first_grid(TOWNSHIP_A).code, None, None]


@pytest.mark.parametrize(
    "payload",
    [
        {"points": []},
        {"points": [[120.0]]},
        {"points": [[120.0, 95.0]]},
        {"points": [[120.0, 28.9]], "crs": "bd09"},
        {"points": "120,28"},
    ],
)
def test_bad_locate_input_is_a_422_with_a_message(client_for, dispatcher_a, payload):
    response = client_for(dispatcher_a).post(
        "/api/v1/regions/locate", payload, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"]


def test_without_login_or_token_the_api_answers_401():
    assert Client().get("/api/v1/regions/tree").status_code == 401


def test_a_token_from_the_command_authenticates_a_machine_client(capsys, dispatcher_a):
    call_command("create_api_token", dispatcher_a.username, "--name", "test")
    token = capsys.readouterr().out.strip()
    client = Client()
    response = client.get("/api/v1/regions/tree", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert [r["code"] for r in response.json()] == [TOWNSHIP_A]
    assert (
        client.get(f"/api/v1/regions/{TOWNSHIP_B}", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404
    )
    assert client.get("/api/v1/regions/tree", HTTP_X_API_KEY=token).status_code == 200


def test_a_token_is_stored_only_as_a_hash_and_a_revoked_one_stops_working(capsys, dispatcher_a):
    from gridgov.accounts.models import ApiToken
    from gridgov.accounts.services import revoke_api_token
    from gridgov.audit.actor import Actor

    call_command("create_api_token", dispatcher_a.username)
    token = capsys.readouterr().out.strip()
    row = ApiToken.objects.get(user=dispatcher_a)
    assert token not in (row.token_hash, row.hint) and len(row.token_hash) == 64
    revoke_api_token(Actor.system("test"), row)
    assert Client().get("/api/v1/regions/tree", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_a_wrong_token_is_refused(db):
    assert Client().get("/api/v1/regions/tree", HTTP_AUTHORIZATION="Bearer ggv_nope").status_code == 401


def test_unit_list_is_scoped_and_paged(client_for, dispatcher_a):
    body = client_for(dispatcher_a).get("/api/v1/units?limit=500").json()
    codes = {u["code"] for u in body["items"]}
    assert "t001-command" in codes and "t002-command" not in codes and "county-centre" not in codes
    assert body["count"] == len(codes)


def test_openapi_schema_is_published(client_for, dispatcher_a):
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/regions/locate" in schema["paths"]


def test_create_api_token_refuses_an_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody")
    assert not User.objects.filter(username="nobody").exists()
