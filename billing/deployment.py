"""Where this console's recordings run, in the estimator's terms, derived from the Tencent region settings.

Used when a caller (the start/schedule forms) estimates a recording without a hand-written plan.
"""

from __future__ import annotations

from django.conf import settings

from billing.estimator import PlanContext

# Tencent region id → (CAR region, CSS billing region, VOD area). CAR packs are sold in three regions only;
# elsewhere the nearest one is assumed.
_REGIONS: dict[str, tuple[str, str, str]] = {
    "ap-singapore": ("singapore", "AP1", "outside"),
    "ap-hongkong": ("singapore", "AP1", "outside"),
    "ap-bangkok": ("singapore", "AP1", "outside"),
    "ap-jakarta": ("singapore", "AP2", "outside"),
    "ap-mumbai": ("singapore", "AP3", "outside"),
    "ap-tokyo": ("tokyo", "AP2", "outside"),
    "ap-seoul": ("seoul", "AP2", "outside"),
    "na-siliconvalley": ("tokyo", "NA", "outside"),
    "na-ashburn": ("tokyo", "NA", "outside"),
    "eu-frankfurt": ("singapore", "EU", "outside"),
    "ap-beijing": ("singapore", "mainland", "mainland"),
    "ap-shanghai": ("singapore", "mainland", "mainland"),
    "ap-guangzhou": ("singapore", "mainland", "mainland"),
    "ap-chengdu": ("singapore", "mainland", "mainland"),
    "ap-chongqing": ("singapore", "mainland", "mainland"),
}
_COS_REGIONS = {
    "ap-hongkong": "hong-kong",
    "na-siliconvalley": "silicon-valley",
    "na-ashburn": "virginia",
    "eu-frankfurt": "frankfurt",
}


def deployment_context() -> PlanContext:
    car, css, area = _REGIONS.get(settings.TENCENT_REGION, _REGIONS["ap-singapore"])
    cos_region = _COS_REGIONS.get(settings.COS_REGION, settings.COS_REGION.split("-", 1)[-1])
    return PlanContext(car_region=car, css_region=css, vod_area=area, cos_region=cos_region)
