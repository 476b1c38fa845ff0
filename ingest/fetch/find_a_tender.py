"""Find a Tender's OCDS release packages: GET /api/1.0/ocdsReleasePackages.

Documented at https://www.find-tender.service.gov.uk/apidocumentation/1.0/GET-ocdsReleasePackages:
updatedFrom/updatedTo (YYYY-MM-DDTHH:MM:SS), stages (planning, tender, award), limit (1 to 100) and
cursor ([A-Za-z0-9=], up to 300 characters).
"""

from __future__ import annotations

from ingest.fetch.service import Service

SERVICE = Service(
    name="find-a-tender",
    title="Find a Tender",
    env_var="MISSIONKG_FIND_A_TENDER_URL",
    default_base_url="https://www.find-tender.service.gov.uk",
    path="/api/1.0/ocdsReleasePackages",
    from_param="updatedFrom",
    to_param="updatedTo",
    stages=("planning", "tender", "award"),
    rate_limited={429: 0.0},
)
