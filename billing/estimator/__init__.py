"""The cost estimator: pure functions from a plan (or actual sessions) and a `Prices` to an `Estimate`.

Nothing here touches the database; callers build `PlannedRecording`s and a `Prices` and call `estimate`.
"""

from billing.estimator.estimate import Estimate, MonthCosts, PlanContext, RecordingCost, estimate, price_month
from billing.estimator.inputs import EstimateInput, PlannedRecording
from billing.estimator.prices import Prices, PricesError

__all__ = [
    "Estimate",
    "EstimateInput",
    "MonthCosts",
    "PlanContext",
    "PlannedRecording",
    "Prices",
    "PricesError",
    "RecordingCost",
    "estimate",
    "price_month",
]
