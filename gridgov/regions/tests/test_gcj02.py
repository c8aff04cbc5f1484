"""Tests for gridgov.regions.gcj02 (pure numpy, no database)."""

from __future__ import annotations

import numpy as np
import pytest

from gridgov.regions.gcj02 import gcj02_to_wgs84, out_of_china, wgs84_to_gcj02

TOL_DEG = 1e-6

# Reference pairs from the eviltransform test suite (the values are the same in
# googollee/eviltransform python/test.py and go/transform_test.go,
# https://github.com/googollee/eviltransform). They are given there as
# (wgsLat, wgsLng, gcjLat, gcjLng). Here they are reordered to
# (wgs_lon, wgs_lat, gcj_lon, gcj_lat).
REFERENCE = [
    pytest.param(121.5272106, 31.1774276, 121.531541859215, 31.17530398364597, id="shanghai"),
    pytest.param(113.912316, 22.543847, 113.9171764808363, 22.540796131694766, id="shenzhen"),
    pytest.param(116.377817, 39.911954, 116.38404722455657, 39.91334545536069, id="beijing"),
]

OUTSIDE_CHINA = [
    pytest.param(-0.1276, 51.5072, id="london"),
    pytest.param(-74.0060, 40.7128, id="new-york"),
    pytest.param(151.2093, -33.8688, id="sydney"),
    pytest.param(139.6917, 35.6895, id="tokyo"),  # east of 137.8347 E
    pytest.param(37.6173, 55.7558, id="moscow"),
    pytest.param(100.0, 0.5, id="south-of-box"),
]


def _zhejiang_grid() -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(np.linspace(118.0, 123.0, 51), np.linspace(27.0, 31.5, 46))


def _ground_distance_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Haversine distance on a sphere (this is only for checking orders of magnitude)."""
    r = 6371008.8
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(h))


@pytest.mark.parametrize(("wgs_lon", "wgs_lat", "gcj_lon", "gcj_lat"), REFERENCE)
def test_wgs84_to_gcj02_matches_reference(wgs_lon, wgs_lat, gcj_lon, gcj_lat):
    lon, lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
    assert lon == pytest.approx(gcj_lon, abs=TOL_DEG)
    assert lat == pytest.approx(gcj_lat, abs=TOL_DEG)


@pytest.mark.parametrize(("wgs_lon", "wgs_lat", "gcj_lon", "gcj_lat"), REFERENCE)
def test_gcj02_to_wgs84_matches_reference(wgs_lon, wgs_lat, gcj_lon, gcj_lat):
    lon, lat = gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert lon == pytest.approx(wgs_lon, abs=TOL_DEG)
    assert lat == pytest.approx(wgs_lat, abs=TOL_DEG)


def test_reference_points_vectorised():
    wgs_lon, wgs_lat, gcj_lon, gcj_lat = np.array([p.values for p in REFERENCE]).T
    lon, lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
    np.testing.assert_allclose(lon, gcj_lon, rtol=0, atol=TOL_DEG)
    np.testing.assert_allclose(lat, gcj_lat, rtol=0, atol=TOL_DEG)


def test_offset_inside_china_is_between_50_and_1000_m():
    lon, lat = _zhejiang_grid()
    # Add the reference cities and Hangzhou, so that points outside Zhejiang are checked too.
    extra_lon = np.array([121.5272106, 113.912316, 116.377817, 120.1551])
    extra_lat = np.array([31.1774276, 22.543847, 39.911954, 30.2741])
    lon = np.concatenate([lon.ravel(), extra_lon])
    lat = np.concatenate([lat.ravel(), extra_lat])
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    d = _ground_distance_m(lon, lat, g_lon, g_lat)
    assert d.min() > 50.0
    assert d.max() < 1000.0


@pytest.mark.parametrize(("lon", "lat"), OUTSIDE_CHINA)
def test_outside_china_unchanged(lon, lat):
    assert out_of_china(lon, lat) is True
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)


def test_outside_china_unchanged_in_mixed_array():
    lon = np.array([-0.1276, 120.1551, 139.6917])
    lat = np.array([51.5072, 30.2741, 35.6895])
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert g_lon[[0, 2]].tolist() == lon[[0, 2]].tolist()
    assert g_lat[[0, 2]].tolist() == lat[[0, 2]].tolist()
    assert g_lon[1] != lon[1]
    assert g_lat[1] != lat[1]
    np.testing.assert_array_equal(out_of_china(lon, lat), [True, False, True])


def test_round_trip_over_zhejiang_grid():
    lon, lat = _zhejiang_grid()
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert np.abs(back_lon - lon).max() < 1e-6
    assert np.abs(back_lat - lat).max() < 1e-6
    # The other direction too: treat the grid as GCJ-02 input.
    fwd_lon, fwd_lat = wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat))
    assert np.abs(fwd_lon - lon).max() < 1e-6
    assert np.abs(fwd_lat - lat).max() < 1e-6


def test_vectorised_equals_scalar_calls():
    lon, lat = _zhejiang_grid()
    lon, lat = lon[::5, ::5], lat[::5, ::5]
    for func in (wgs84_to_gcj02, gcj02_to_wgs84):
        v_lon, v_lat = func(lon, lat)
        assert v_lon.shape == lon.shape
        assert v_lat.shape == lat.shape
        for idx in np.ndindex(lon.shape):
            s_lon, s_lat = func(float(lon[idx]), float(lat[idx]))
            assert v_lon[idx] == pytest.approx(s_lon, abs=1e-12)
            assert v_lat[idx] == pytest.approx(s_lat, abs=1e-12)


def test_scalar_in_scalar_out_and_lists_accepted():
    lon, lat = wgs84_to_gcj02(120.1551, 30.2741)
    assert isinstance(lon, float)
    assert isinstance(lat, float)
    a_lon, a_lat = wgs84_to_gcj02([120.1551, 121.0], [30.2741, 30.0])
    assert isinstance(a_lon, np.ndarray)
    assert a_lon.shape == (2,)
    assert a_lon[0] == pytest.approx(lon, abs=1e-12)
    assert a_lat[0] == pytest.approx(lat, abs=1e-12)


def test_lon_lat_broadcast():
    lon, lat = wgs84_to_gcj02(np.array([120.0, 121.0, 122.0]), 30.0)
    assert lon.shape == lat.shape == (3,)


def test_nan_passes_through_without_error():
    lon, lat = gcj02_to_wgs84(np.array([np.nan, 120.0]), np.array([30.0, 30.0]))
    assert np.isnan(lon[0])
    assert np.isfinite(lon[1])
    assert np.isfinite(lat).all()
