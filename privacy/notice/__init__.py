"""The privacy notice: generated from the register, the sub-processors, retention and consent,
published as versions, shown at /privacy and /privacy.pdf."""
