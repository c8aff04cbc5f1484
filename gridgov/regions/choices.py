from django.db import models


class Level(models.IntegerChoices):
    """Levels of the territory tree, top to bottom (DOMAIN §2)."""

    COUNTY = 1, "县（市、区）"
    TOWNSHIP = 2, "乡镇（街道）"
    VILLAGE = 3, "村（社区）"
    GRID = 4, "网格"
    MICROGRID = 5, "微网格"


# How many leading digits of the code are significant at each level.
# County 6, township +3, village +3 (together the 12-digit statistical code),
# grid +3 (15-digit grid code), micro-grid +3 (our 18-digit extension).
SIGNIFICANT_DIGITS = {
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
    Level.GRID: 15,
    Level.MICROGRID: 18,
}

# Official length of the code as written at each level: statistical codes are 12 digits
# for townships and villages even though a township only uses 9 of them.
CODE_LENGTH = {
    Level.COUNTY: 6,
    Level.TOWNSHIP: 12,
    Level.VILLAGE: 12,
    Level.GRID: 15,
    Level.MICROGRID: 18,
}

KEY_DIGITS = 18
