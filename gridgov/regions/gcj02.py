"""Conversion between WGS-84 and GCJ-02 ("Mars coordinates").

Chinese map providers (AMap/Gaode, Tencent, Google Maps in China) and most
phones sold in China report positions in GCJ-02. That is the state-mandated
obfuscation of WGS-84: it moves points by a non-linear offset of a few hundred
metres. Our grid polygons are stored in WGS-84 (EPSG:4326). So a GCJ-02 point
must be converted before it is matched against a polygon, and a WGS-84 geometry
must be converted before it is drawn on a GCJ-02 base map. Otherwise everything
is off by roughly 300-700 m in Zhejiang.

PROJ/GDAL do not implement GCJ-02, so this module has the widely published
algorithm (the "Krasovsky 1940" offset used by eviltransform, coordtransform
and others). It uses a = 6378245.0, ee = 0.00669342162296594323 and the
transformLat/transformLon polynomials. Points outside the usual rough
bounding box of China (72.004-137.8347 E, 0.8293-55.8271 N) are left
unchanged, as the reference implementations do.

There is no closed-form inverse, so ``gcj02_to_wgs84`` uses fixed-point
iteration on the forward transform. The round trip is accurate to far better
than 1e-7 degrees (about 1 cm).

Baidu's BD-09 is a further offset on top of GCJ-02 and is *not* handled here.

All functions take scalars or array-likes of longitude/latitude in degrees.
Inputs are broadcast together. They return ``(lon, lat)``: Python floats for
scalar input, otherwise float64 arrays of the broadcast shape.
"""

from __future__ import annotations

from typing import overload

import numpy as np
import numpy.typing as npt

__all__ = ["gcj02_to_wgs84", "out_of_china", "wgs84_to_gcj02"]

# Krasovsky 1940 ellipsoid parameters as used by the GCJ-02 algorithm.
_A = 6378245.0
_EE = 0.00669342162296594323

# Rough bounding box of China used by all reference implementations.
_LON_MIN, _LON_MAX = 72.004, 137.8347
_LAT_MIN, _LAT_MAX = 0.8293, 55.8271

# Inversion stops when no coordinate moves more than this (degrees) ...
_INVERSE_TOL_DEG = 1e-9
# ... or after this many iterations (it converges in ~3-5 in practice).
_INVERSE_MAX_ITER = 30

FloatArray = npt.NDArray[np.float64]


def _transform_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _in_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    # NaN compares False, so NaN points count as "outside" and pass through.
    return (lon >= _LON_MIN) & (lon <= _LON_MAX) & (lat >= _LAT_MIN) & (lat <= _LAT_MAX)


def _offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 minus WGS-84 offset (degrees) at WGS-84 ``lon``/``lat``.

    The offset is zero outside China.
    """
    x = lon - 105.0
    y = lat - 35.0
    d_lat = _transform_lat(x, y)
    d_lon = _transform_lon(x, y)
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    inside = _in_china(lon, lat)
    return np.where(inside, d_lon, 0.0), np.where(inside, d_lat, 0.0)


def _as_arrays(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon_arr, lat_arr = np.broadcast_arrays(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    return lon_arr, lat_arr


def _result(lon: FloatArray, lat: FloatArray) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    if lon.ndim == 0:
        return float(lon), float(lat)
    return lon, lat


def out_of_china(lon: npt.ArrayLike, lat: npt.ArrayLike) -> bool | npt.NDArray[np.bool_]:
    """True where the point lies outside the rough China bounding box (no offset applied)."""
    lon_arr, lat_arr = _as_arrays(lon, lat)
    outside = ~_in_china(lon_arr, lat_arr)
    return bool(outside) if outside.ndim == 0 else outside


@overload
def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def wgs84_to_gcj02(
    lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert WGS-84 ``lon``/``lat`` (degrees) to GCJ-02.

    Points outside China are returned unchanged.
    """
    lon_arr, lat_arr = _as_arrays(lon, lat)
    d_lon, d_lat = _offset(lon_arr, lat_arr)
    return _result(lon_arr + d_lon, lat_arr + d_lat)


@overload
def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]: ...
def gcj02_to_wgs84(
    lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 ``lon``/``lat`` (degrees) to WGS-84 by iterative inversion.

    Solves ``wgs84_to_gcj02(w) == g`` with the fixed-point iteration
    ``w <- g - offset(w)``, starting from ``w = g``. The offset changes very slowly
    with position, so this contracts quickly. It stops when no coordinate moves
    more than 1e-9 degrees, or after 30 iterations. Points outside China are
    returned unchanged.
    """
    g_lon, g_lat = _as_arrays(lon, lat)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(_INVERSE_MAX_ITER):
        d_lon, d_lat = _offset(w_lon, w_lat)
        new_lon = g_lon - d_lon
        new_lat = g_lat - d_lat
        change = np.maximum(np.abs(new_lon - w_lon), np.abs(new_lat - w_lat))
        w_lon, w_lat = new_lon, new_lat
        # `>=` is False for NaN, so NaN input does not keep the loop running.
        if not np.any(change >= _INVERSE_TOL_DEG):
            break
    return _result(w_lon, w_lat)
