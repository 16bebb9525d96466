"""Recordings workflows, one module per area; each function is keyword-only, atomic and audited."""
