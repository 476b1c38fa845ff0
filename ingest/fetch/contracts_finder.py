"""Contracts Finder's OCDS search: GET /Published/Notices/OCDS/Search.

Documented at https://www.contractsfinder.service.gov.uk/apidocumentation/Notices/1/GET-Published-Notice-OCDS-Search:
publishedFrom/publishedTo (ISO 8601), stages (comma-separated planning, tender, award, implementation),
limit (1 to 100) and cursor. The service's API pages document HTTP 403 as its rate-limit answer,
after which no request should be made for 5 minutes.
"""

from __future__ import annotations

from ingest.fetch.service import Service

SERVICE = Service(
    name="contracts-finder",
    title="Contracts Finder",
    env_var="MISSIONKG_CONTRACTS_FINDER_URL",
    default_base_url="https://www.contractsfinder.service.gov.uk",
    path="/Published/Notices/OCDS/Search",
    from_param="publishedFrom",
    to_param="publishedTo",
    stages=("planning", "tender", "award", "implementation"),
    rate_limited={403: 300.0, 429: 0.0},
)
