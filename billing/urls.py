from django.urls import path

from billing import api
from billing.views import budgets, calculator, capacity, pricebooks, reports
from dashboard.api import api_route

app_name = "billing"

urlpatterns = [
    path("costs/", reports.report, name="report"),
    path("costs/report.csv", reports.report_csv, name="report_csv"),
    path("costs/usage/", reports.report_usage, name="report_usage"),
    path("costs/capacity/", capacity.capacity, name="capacity"),
    path("costs/calculator/", calculator.calculator, name="calculator"),
    path("costs/price-books/", pricebooks.pricebook_list, name="pricebook_list"),
    path("costs/price-books/new/", pricebooks.pricebook_create, name="pricebook_create"),
    path("costs/price-books/<int:pk>/", pricebooks.pricebook_detail, name="pricebook_detail"),
    path("costs/budgets/", budgets.budget_list, name="budget_list"),
    path("costs/budgets/new/", budgets.budget_create, name="budget_create"),
    path("costs/budgets/<int:pk>/edit/", budgets.budget_edit, name="budget_edit"),
    path("costs/budgets/<int:pk>/delete/", budgets.budget_remove, name="budget_delete"),
    api_route(api.estimates, name="api_estimates"),
]
