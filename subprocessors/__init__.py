"""Sub-processors: the register, change notices with their notice period, subscribers and
objections, the public list and its feeds.

Not built yet: this package is a coming part of the toolkit (see DESIGN.md, "Sub-processors")."""
