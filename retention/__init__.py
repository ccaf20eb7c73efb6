"""Retention: rules, legal holds, sweeps over data stores in batches, the run log, backup horizons.

Not built yet: this package is a coming part of the toolkit (see DESIGN.md, "Retention")."""
