"""The Art. 30 record as an auditor downloads it: the same facts in PDF, CSV and JSON."""

from __future__ import annotations

import csv
import io

from litestar import Litestar
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from tests.conftest import ORGANISATION, activity

Client = AsyncTestClient[Litestar]
# The CSV's columns, written out: the record's own, then Art. 30(1)(a)-(g) in the order of the CNIL,
# Belgian DPA and ICO templates with lawful basis, Art. 9 condition and DPIA closing the controller group
# (docs/api.md, "The Art. 30 exports"), then Art. 30(2)(a)-(d).
RECORD_COLUMNS = ["Record", "Reference", "Activity", "Version"]
ARTICLE_30_1_COLUMNS = [
    "(a) Controller and contact details",
    "(a) Joint controllers",
    "(a) Representative",
    "(a) Data protection officer",
    "(b) Purposes of the processing",
    "(c) Categories of data subjects",
    "(c) Categories of personal data",
    "(d) Categories of recipients",
    "(e) Transfers to third countries and safeguards",
    "(f) Time limits for erasure",
    "(g) Technical and organisational security measures",
    "Lawful bases (Art. 6(1)) and what each covers",
    "Special categories and Art. 9(2) condition",
    "Data protection impact assessment (Art. 35)",
]
ARTICLE_30_2_COLUMNS = [
    "(a) Processor and contact details",
    "(a) Controller on whose behalf the processor acts",
    "(a) Representative",
    "(a) Data protection officer",
    "(b) Categories of processing carried out",
    "(c) Transfers to third countries and safeguards",
    "(d) Technical and organisational security measures",
]
CONTROLLER_ENTRY_FIELDS = {
    "key", "name", "version", "controller", "joint_controllers", "representative", "dpo", "purposes",
    "data_subject_categories", "personal_data_categories", "recipients", "transfers", "retention",
    "security_measures", "lawful_bases", "special_categories", "dpia",
}  # fmt: skip
PROCESSOR_ENTRY_FIELDS = {
    "key", "name", "version", "processor", "controller", "representative", "dpo", "categories_of_processing",
    "transfers", "security_measures",
}  # fmt: skip
PROCESSOR = activity(
    "hosting",
    name="Hosting customer content",
    role="processor",
    lawful_basis=None,
    controller={"name": "Customer Ltd"},
    transfers=[{"country": "US", "safeguard": "sccs_2021_914"}],
)


BILLING_BASES = [
    {"basis": "contract", "covers": {"data_subjects": ["Customers"]}},
    {
        "basis": "legal_obligation",
        "legal_obligation": "Belgian Code of Economic Law, art. III.86",
        "covers": {"data_categories": ["billing"], "note": "invoices and tax records"},
    },
]


async def seed(client: Client, admin: dict[str, str]) -> None:
    await client.put("/api/v1/admin/organisation", json=ORGANISATION, headers=admin)
    billing = activity("billing", name="Billing", lawful_bases=BILLING_BASES)
    await client.post("/api/v1/admin/activities", json=billing, headers=admin)
    await client.post(
        "/api/v1/admin/activities",
        json=activity("newsletter", name="Newsletter", lawful_basis="consent", consent_purpose="newsletter"),
        headers=admin,
    )
    await client.post("/api/v1/admin/activities", json=PROCESSOR, headers=admin)


async def test_json_separates_controller_and_processor_records(
    client: Client, admin: dict[str, str], auditor: dict[str, str]
) -> None:
    await seed(client, admin)
    response = await client.get("/api/v1/admin/exports/ropa.json", headers=auditor)
    assert response.status_code == 200
    record = response.json()
    assert [e["name"] for e in record["controller_activities"]] == ["Billing", "Newsletter"]
    assert [e["name"] for e in record["processor_activities"]] == ["Hosting customer content"]
    processor = record["processor_activities"][0]
    assert set(processor) == PROCESSOR_ENTRY_FIELDS
    assert all(set(entry) == CONTROLLER_ENTRY_FIELDS for entry in record["controller_activities"])
    assert processor["controller"] == "Customer Ltd"
    assert processor["transfers"] == ["United States: Standard Contractual Clauses (Decision (EU) 2021/914)"]
    assert record["controller_activities"][1]["lawful_bases"] == ["Consent (Art. 6(1)(a)): newsletter"]
    assert record["controller_activities"][0]["lawful_bases"] == [
        "Contract (Art. 6(1)(b)), for Customers",
        "Legal obligation (Art. 6(1)(c)): Belgian Code of Economic Law, art. III.86, "
        "for billing and payment details; invoices and tax records",
    ]


async def test_csv_has_one_row_per_activity_in_article_30_order(
    client: Client, admin: dict[str, str], auditor: dict[str, str]
) -> None:
    await seed(client, admin)
    response = await client.get("/api/v1/admin/exports/ropa.csv", headers=auditor)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    header = rows[0]
    assert header == RECORD_COLUMNS + ARTICLE_30_1_COLUMNS + ARTICLE_30_2_COLUMNS
    assert rows[4] == [], "the activities end after three rows, before the annexes"
    billing = dict(zip(header, rows[1], strict=True))
    assert billing["(b) Purposes of the processing"] == "Invoice customers and keep accounting records"
    assert billing["(f) Time limits for erasure"] == "Ten years"
    assert billing["Data protection impact assessment (Art. 35)"] == "Not required"
    bases = billing["Lawful bases (Art. 6(1)) and what each covers"]
    assert "Contract (Art. 6(1)(b)), for Customers" in bases
    assert "Legal obligation (Art. 6(1)(c)): Belgian Code of Economic Law" in bases
    hosting = dict(zip(header, rows[3], strict=True))
    assert hosting["Record"] == "Art. 30(2) processor"
    assert hosting["(a) Controller on whose behalf the processor acts"] == "Customer Ltd"


async def test_csv_cells_cannot_run_as_spreadsheet_formulas(client: Client, admin: dict[str, str]) -> None:
    await client.put("/api/v1/admin/organisation", json=ORGANISATION, headers=admin)
    await client.post(
        "/api/v1/admin/activities", json=activity("x", retention='=HYPERLINK("http://evil")'), headers=admin
    )
    text = (await client.get("/api/v1/admin/exports/ropa.csv", headers=admin)).text
    assert "'=HYPERLINK" in text


async def test_pdf_has_cover_contents_sections_and_page_numbers(
    client: Client, admin: dict[str, str], auditor: dict[str, str]
) -> None:
    await seed(client, admin)
    response = await client.get("/api/v1/admin/exports/ropa.pdf", headers=auditor)
    assert response.headers["content-type"] == "application/pdf"
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]
    assert "Record of processing activities" in pages[0]
    assert ORGANISATION["legal_name"] in pages[0]
    assert "Contents" in pages[0]
    body = "\n".join(pages[1:])
    assert body.index("Activities as controller") < body.index("Billing") < body.index("Activities as processor")
    assert body.index("Activities as processor") < body.index(
        "Hosting customer content", body.index("Activities as processor")
    )
    assert "Customer Ltd" in body
    assert f"Page 2 of {len(pages)}" in pages[1]


async def test_export_without_an_organisation_says_what_is_missing(client: Client, auditor: dict[str, str]) -> None:
    response = await client.get("/api/v1/admin/exports/ropa.json", headers=auditor)
    assert response.status_code == 404
    assert "organisation profile" in response.json()["detail"]
