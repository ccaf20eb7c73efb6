"""Data-subject requests: intake, identity check, legal deadlines, connectors to the systems that
hold data, packages for download, erasure and its certificate.

Not built yet: this package is a coming part of the toolkit (see DESIGN.md, "Deadlines" and
"Requests")."""
