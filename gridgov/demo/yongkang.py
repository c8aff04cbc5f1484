"""Facts about the demo county, Yongkang 永康市 (DOMAIN §2), and the synthetic parts labelled as such.

Township names and codes are real (NBS 2021). Township centres are approximate, and the
population split, outline, villages and grids are synthetic: they only have to look plausible.
"""

COUNTY_CODE = "330784"
COUNTY_NAME = "永康市"
AREA_KM2 = 1047

# (segment, name, approximate centre lon/lat, synthetic resident count); sums to 970,000.
TOWNSHIPS = [
    ("001", "东城街道", (120.075, 28.905), 130_000),
    ("002", "西城街道", (120.015, 28.902), 95_000),
    ("003", "江南街道", (120.045, 28.862), 105_000),
    ("105", "石柱镇", (120.120, 28.820), 52_000),
    ("106", "前仓镇", (120.200, 28.800), 40_000),
    ("107", "舟山镇", (119.960, 28.780), 38_000),
    ("108", "古山镇", (119.935, 28.965), 62_000),
    ("109", "方岩镇", (120.190, 28.950), 42_000),
    ("110", "龙山镇", (119.930, 28.880), 45_000),
    ("111", "西溪镇", (120.030, 28.785), 40_000),
    ("112", "象珠镇", (120.115, 29.020), 58_000),
    ("113", "唐先镇", (120.030, 29.010), 60_000),
    ("114", "花街镇", (120.255, 28.880), 48_000),
    ("115", "芝英镇", (120.140, 28.910), 155_000),
]

# A convex, synthetic outline of about 1,050 km² around the real county's extent.
OUTLINE = [
    (119.880, 28.900),
    (119.905, 28.990),
    (119.990, 29.060),
    (120.100, 29.075),
    (120.205, 29.030),
    (120.300, 28.930),
    (120.305, 28.840),
    (120.240, 28.765),
    (120.120, 28.740),
    (119.990, 28.735),
    (119.915, 28.790),
]

RESIDENTS_PER_GRID = 970
GRIDS_PER_VILLAGE = 3.2

# The four township platforms (names are data: DOMAIN §3, the later set of names).
PLATFORMS = ["党建统领", "经济生态", "平安法治", "公共服务"]

# County departments: (code suffix, full name, short name, line of business).
DEPARTMENTS = [
    ("scjg", "永康市市场监督管理局", "市场监管局", "market"),
    ("zhzf", "永康市综合行政执法局", "综合行政执法局", "urban_enforcement"),
    ("sthj", "金华市生态环境局永康分局", "生态环境分局", "environment"),
    ("zjj", "永康市住房和城乡建设局", "住建局", "housing"),
    ("jtys", "永康市交通运输局", "交通运输局", "transport"),
    ("wjj", "永康市卫生健康局", "卫健局", "health"),
    ("gaj", "永康市公安局", "公安局", "public_security"),
    ("yjgl", "永康市应急管理局", "应急管理局", "emergency"),
    ("zrzy", "永康市自然资源和规划局", "自然资源和规划局", "natural_resources"),
    ("nync", "永康市农业农村局", "农业农村局", "agriculture"),
    ("rsj", "永康市人力资源和社会保障局", "人力社保局", "human_resources"),
    ("mzj", "永康市民政局", "民政局", "civil_affairs"),
    ("slj", "永康市水务局", "水务局", "water"),
    ("sfj", "永康市司法局", "司法局", "justice"),
]

# Syllables for synthetic village and community names (common in Yongkang place names).
VILLAGE_PREFIXES = list("上下前后东西南北新大小高塘溪山")
SURNAMES = list("胡应吕徐陈李朱楼程章俞吴金施周王黄林")
VILLAGE_SUFFIXES = ["宅", "店", "塘", "溪", "山", "岭", "坑", "园", "桥", "坞", "畈", "头", "口", "岩", "庄"]
COMMUNITY_WORDS = list("金城丽州华溪紫微园周江南胜利总部振兴长城西津九铃望春永祥白云")
