"""Logging in and finding one's way around the territory map, in a real browser."""

import re

from playwright.sync_api import expect
from shapely.geometry import shape
from shapely.ops import polylabel

TOWNSHIP_A, TOWNSHIP_A_NAME = "330784001000", "东城街道"
TOWNSHIP_B_NAME = "西城街道"
PHONE = {"width": 375, "height": 812}


def geojson_url(code: str, level: str = "grid") -> str:
    return f"/api/v1/regions/{code}/geojson?level={level}"


# Leaflet keeps no registry of its maps and territory_map.js does not publish its map, so this init
# script (test-only, run before any page script) hooks L.Map's constructor as Leaflet assigns window.L.
REMEMBER_LEAFLET_MAPS = """
(() => {
  let leaflet;
  Object.defineProperty(window, "L", {
    configurable: true,
    get() { return leaflet; },
    set(value) {
      leaflet = value;
      if (value && value.Map && !value.Map.__remembered) {
        value.Map.__remembered = true;
        value.Map.addInitHook(function () { (window.__leafletMaps = window.__leafletMaps || []).push(this); });
      }
    },
  });
})();
"""


def interior_point(geometry):
    """A point well inside the (largest part of the) polygon, away from the edges a click might miss."""
    polygon = shape(geometry)
    if polygon.geom_type == "MultiPolygon":
        polygon = max(polygon.geoms, key=lambda part: part.area)
    return polylabel(polygon, tolerance=polygon.length / 1000)


def test_a_township_dispatcher_sees_the_map_with_their_townships_grids(page, screenshot):
    dispatcher = page("dongcheng_dispatcher")

    with dispatcher.expect_response(lambda r: r.url.endswith(geojson_url(TOWNSHIP_A))) as grids:
        dispatcher.goto("/territory/")
    assert grids.value.ok
    drawn = len(grids.value.json()["features"])
    assert drawn > 0

    expect(dispatcher.locator("#map canvas")).to_be_visible()
    expect(dispatcher.locator(".leaflet-control-layers-overlays")).to_contain_text(f"网格（{drawn}）")
    tree = dispatcher.locator(".tree")
    expect(tree).to_contain_text(TOWNSHIP_A_NAME)
    expect(tree).not_to_contain_text(TOWNSHIP_B_NAME)
    expect(dispatcher.locator(".flash.error")).to_have_count(0)
    screenshot(dispatcher, "map")


def test_clicking_a_grid_on_the_map_opens_its_popup(page, screenshot):
    dispatcher = page("dongcheng_dispatcher")
    dispatcher.add_init_script(REMEMBER_LEAFLET_MAPS)
    dispatcher.goto("/territory/")
    expect(dispatcher.locator(".leaflet-control-layers-overlays")).to_contain_text("网格")
    dispatcher.wait_for_function(
        "() => window.__leafletMaps?.length === 1 && window.__leafletMaps[0]._loaded"
    )

    features = dispatcher.request.get(geojson_url(TOWNSHIP_A)).json()["features"]
    box = dispatcher.locator("#map").bounding_box()
    for feature in features:
        point = interior_point(feature["geometry"])
        x, y = dispatcher.evaluate(
            """([lat, lng]) => {
                const p = window.__leafletMaps[0].latLngToContainerPoint([lat, lng]);
                return [p.x, p.y];
            }""",
            [point.y, point.x],
        )
        x, y = box["x"] + x, box["y"] + y
        # Skip grids hidden under the layer control or outside the view: the click must reach the canvas.
        on_canvas = dispatcher.evaluate(
            "([x, y]) => document.elementFromPoint(x, y)?.matches('#map .leaflet-overlay-pane canvas')",
            [x, y],
        )
        if on_canvas:
            break
    else:
        raise AssertionError("no grid of township A has a clickable point on the map")

    grid = feature["properties"]
    dispatcher.mouse.click(x, y)
    popup = dispatcher.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(grid["name"])
    expect(popup).to_contain_text(f"代码：{grid['code']}")
    expect(dispatcher.locator(".leaflet-popup")).to_have_css("opacity", "1")  # faded in
    screenshot(dispatcher, "popup")
    popup.get_by_role("link", name="查看详情").click()
    expect(dispatcher).to_have_url(re.compile(rf"/territory/{grid['code']}/$"))
    expect(dispatcher.locator("h1")).to_contain_text(grid["name"])


def test_expanding_a_tree_node_loads_its_villages(page):
    dispatcher = page("dongcheng_dispatcher")
    dispatcher.goto("/territory/")
    villages = [
        f["properties"]["name"]
        for f in dispatcher.request.get(geojson_url(TOWNSHIP_A, "village")).json()["features"]
    ]
    assert villages

    node = dispatcher.locator(".tree details").filter(has_text=TOWNSHIP_A_NAME).first
    with dispatcher.expect_response(lambda r: r.url.endswith(f"/territory/{TOWNSHIP_A}/children/")):
        # Not on the name: that is a link to the region's page.
        node.locator("summary .code").click()
    # Its own list, not those of the villages' (still closed) nodes inside it.
    children = node.locator(":scope > .children > ul > li")
    expect(children).to_have_count(len(villages))
    for village in villages:
        expect(children.filter(has_text=village)).to_have_count(1)


def test_township_b_dispatcher_gets_a_404_for_a_region_of_township_a(page):
    dispatcher = page("xicheng_dispatcher")
    response = dispatcher.goto(f"/territory/{TOWNSHIP_A}/")
    assert response.status == 404
    assert TOWNSHIP_A_NAME not in dispatcher.content()
    assert dispatcher.request.get(geojson_url(TOWNSHIP_A)).status == 404


def test_a_wrong_password_shows_the_generic_error_and_starts_no_session(page):
    visitor = page()
    visitor.goto("/accounts/login/")
    visitor.locator("input[name=username]").fill("dongcheng_dispatcher")
    visitor.locator("input[name=password]").fill("not-the-password")
    visitor.get_by_role("button", name="登录", exact=True).click()

    expect(visitor.get_by_role("alert")).to_have_text("用户名或密码不正确。")
    expect(visitor).to_have_url(re.compile(r"/accounts/login/$"))
    assert "sessionid" not in {cookie["name"] for cookie in visitor.context.cookies()}


def test_a_grid_worker_on_a_phone_opens_the_map_without_sideways_scrolling(page):
    worker = page("grid_worker", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    worker.goto("/territory/")
    expect(worker.locator(".leaflet-control-layers-overlays")).to_contain_text("网格")

    width = worker.evaluate("() => document.scrollingElement.scrollWidth")
    too_wide = worker.evaluate(
        """(limit) => [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > limit)
            .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                 + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : ""))""",
        PHONE["width"] + 2,
    )
    assert width <= PHONE["width"] + 2, (
        f"page is {width}px wide on a {PHONE['width']}px phone; too wide: {too_wide}"
    )
