"""Data-subject requests: intake, identity check, legal deadlines, connectors to the systems that
hold data, packages for download, erasure and its certificate.

The rules, by subject: `service` (the request record, its deadline, timeline and how staff see it),
`intake` (the public form, one-time codes, requests from the organisation's application),
`follow_up` (the person's token, status and download), `staff` (letters recorded, the inbox,
extension, refusal, reminders), `log` (the request log for auditors), `fulfilment` (the steps in
each system and the answer), `deadlines`, `connectors`/`sql_connector`/`http_connector`/`systems`,
`packages`, `messages`. HTTP: `endpoints` (API), `pages` (privacy centre and console), `web` (what
both share). What the domain brings to the toolkit is declared in `domain`."""
