"""Where an applicant's institution is, in the groups the statistics report equity by
(WHO 3.4): the WHO region of its country and the World Bank income group.

Sources, as recorded on 2026-12-04:
- WHO regions: the member states of the six regional offices (who.int/about/who-we-are/
  regional-offices), with Indonesia in the Western Pacific Region since the Seventy-eighth
  World Health Assembly (May 2025) and the occupied Palestinian territory, an associate
  member, in the Eastern Mediterranean Region. Territories and areas (_AREAS) are in the
  region WHO's own data places them: the WHO COVID-19 dashboard's "WHO region" of each
  country, territory and area (covid19.who.int); Hong Kong, Macao and the Åland Islands,
  parts of member states that ISO 3166-1 codes apart, are in their state's region.
- Income groups: the World Bank's classification for fiscal year 2026 (1 July 2025, by
  2024 GNI per capita; datahelpdesk.worldbank.org, "World Bank Country and Lending Groups",
  CLASS.xlsx): the FY2025 list with the four FY2026 moves (Costa Rica to high; Cabo Verde
  and Samoa to upper-middle; Namibia to lower-middle). The Channel Islands, one economy
  there, are Jersey and Guernsey here; France's overseas departments and the Åland Islands,
  within France's and Finland's figures, take their group. The World Bank revises it every
  1 July: update _INCOME below then, and the date above.

No maintained package on PyPI carries both lists (pycountry and Babel know names,
country-converter knows UN and other groupings, not these), so they are kept here, as data.
A code a list does not hold is "Not classified" there: Venezuela's income group (not
classified by the World Bank since FY2022, for want of data), Taiwan's and Western Sahara's
WHO region, the income group of small territories the World Bank leaves out (Anguilla, the
Cook Islands, …), and uninhabited ones (Antarctica, Bouvet Island, …).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import WhoRegion


class IncomeGroup(models.TextChoices):
    LOW = "LIC", _("Low income")
    LOWER_MIDDLE = "LMC", _("Lower-middle income")
    UPPER_MIDDLE = "UMC", _("Upper-middle income")
    HIGH = "HIC", _("High income")


NOT_CLASSIFIED = ""

_REGIONS = {
    WhoRegion.AFRICA: (
        "DZ AO BJ BW BF BI CV CM CF TD KM CG CI CD GQ ER SZ ET GA GM GH GN GW KE LS LR MG "
        "MW ML MR MU MZ NA NE NG RW ST SN SC SL ZA SS TG UG TZ ZM ZW"
    ),
    WhoRegion.AMERICAS: (
        "AG AR BS BB BZ BO BR CA CL CO CR CU DM DO EC SV GD GT GY HT HN JM MX NI PA PY PE "
        "KN LC VC SR TT US UY VE PR"
    ),
    WhoRegion.SOUTH_EAST_ASIA: "BD BT KP IN MV MM NP LK TH TL",
    WhoRegion.EUROPE: (
        "AL AD AM AT AZ BY BE BA BG HR CY CZ DK EE FI FR GE DE GR HU IS IE IL IT KZ KG LV "
        "LT LU MT MC ME NL MK NO PL PT MD RO RU SM RS SK SI ES SE CH TJ TR TM UA GB UZ"
    ),
    WhoRegion.EASTERN_MEDITERRANEAN: (
        "AF BH DJ EG IR IQ JO KW LB LY MA OM PK PS QA SA SO SD SY TN AE YE"
    ),
    WhoRegion.WESTERN_PACIFIC: (
        "AU BN KH CN CK FJ ID JP KI LA MY MH FM MN NR NZ NU PW PG PH KR WS SG SB TO TV VU VN"
    ),
}

# Territories and areas that are not members themselves (see the sources above).
_AREAS = {
    WhoRegion.AFRICA: "RE SH YT",
    WhoRegion.AMERICAS: "AI AW BL BM BQ CW FK GF GP KY MF MQ MS PM SX TC VG VI",
    WhoRegion.EUROPE: "AX FO GG GI GL IM JE LI SJ VA",
    WhoRegion.WESTERN_PACIFIC: "AS CC CX GU HK MO MP NC NF PF PN TK UM WF",
}

_INCOME = {
    IncomeGroup.LOW: (
        "AF BF BI CF TD CD ER ET GM GW KP LR MG MW ML MZ NE RW SL SO SS SD SY TG UG YE"
    ),
    IncomeGroup.LOWER_MIDDLE: (
        "AO BD BJ BT BO KH CM KM CG CI DJ EG SZ GH GN HT HN IN JO KE KI KG LA LB LS MR "
        "FM MA MM NA NP NI NG PK PG PH ST SN SB LK TZ TJ TL TN UZ VU VN ZM ZW PS"
    ),
    IncomeGroup.UPPER_MIDDLE: (
        "AL DZ AR AM AZ BY BZ BA BW BR CV CN CO CU DM DO EC SV GQ FJ GA GE GD GT ID IR IQ JM "
        "KZ XK LY MY MV MH MU MX MD MN ME MK PY PE WS RS ZA LC VC SR TH TO TR TM TV UA"
    ),
    IncomeGroup.HIGH: (
        "AD AG AU AT BS BH BB BE BN BG CA CL HR CY CZ DK EE FI FR DE GR GY HU IS IE IL IT JP "
        "KR KW LV LT LU MT MC NR NL NZ NO OM PA PL PT PR QA RO RU SM SA SC SG SK SI ES SE CH "
        "TT AE GB US UY KN CR PW "
        # Territories and areas the World Bank classifies on their own.
        "AS AW BM CW FO GG GI GL GU HK IM JE KY LI MF MO MP NC PF SX TC TW VG VI "
        # Parts of an economy, counted in its figures: France's overseas departments, Åland.
        "GF GP MQ RE YT AX"
    ),
}


def _index(*groupings: Mapping[Any, str]) -> dict[str, str]:
    index: dict[str, str] = {}
    for groups in groupings:
        for group, codes in groups.items():
            for code in codes.split():
                index.setdefault(code, str(group))
    return index


REGION_OF = _index(_REGIONS, _AREAS)
INCOME_OF = _index(_INCOME)


def who_region(country: str) -> str:
    """The WHO region code (AFR, AMR, …) of an ISO 3166-1 alpha-2 code, or ""."""
    return REGION_OF.get(country.upper(), NOT_CLASSIFIED)


def income_group(country: str) -> str:
    """The World Bank income group code (LIC, LMC, UMC, HIC) of a country, or ""."""
    return INCOME_OF.get(country.upper(), NOT_CLASSIFIED)
