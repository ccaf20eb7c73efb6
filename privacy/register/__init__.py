"""The register of processing activities (Art. 30): the organisation, its activities with their
lawful bases and gaps, every version they had, and the Art. 30 record for auditors."""
