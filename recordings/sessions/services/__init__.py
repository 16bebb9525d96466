"""The orchestration's workflows: keyword-only, atomic and audited."""
