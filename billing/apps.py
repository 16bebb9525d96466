from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from billing.budget_cache import pricing_changed
        from billing.models import Budget, PriceBook
        from lifecycle.models import RetentionPolicy
        from recordings.models import ClientApp

        # A retention policy plans the actual recordings' storage (billing.actuals): its change reprices budgets.
        for model in (Budget, PriceBook, ClientApp, RetentionPolicy):
            for signal in (post_save, post_delete):
                signal.connect(
                    pricing_changed, sender=model, dispatch_uid=f"budget_statuses_{model.__name__}"
                )
