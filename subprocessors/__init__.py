"""Sub-processors: the register, change notices with their notice period, subscribers and
objections, the public list and its feeds."""
