"""Sessions: recordings and their lifecycle, schedules and recurrence, orchestration, reconciliation, stopping."""
