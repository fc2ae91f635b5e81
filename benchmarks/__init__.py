"""Performance budgets of ../shared/DESIGN.md, each measured beside its physical floor in the same run."""
