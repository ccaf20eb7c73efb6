"""The core of privacy-toolkit: app factory, settings, storage and migrations, staff access and
roles, the audit trail, keys and field encryption, PDF rendering, the CLI, and the register of
processing activities with its Art. 30 exports."""
