"""Publications per dataset for the public statistics (issue 21, WHO 3.3 and 3.7: what the
data gave back): for each dataset, the distinct DOIs of the findings its committee has
published, and how many published findings say that results went back to participants or
communities. All time, not the 12-month window: a paper appears years after the access.

One grouped query, whatever the number of findings: the DOIs are unnested by the database
(PostgreSQL's jsonb_array_elements_text, SQLite's json_each), counted distinct per dataset,
and only the datasets with the most publications are returned.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections, router

from agreements.models import Findings, FindingsStatus, Grant
from consent.models import Dataset

SHOWN = 20


@dataclass(frozen=True)
class DatasetPublications:
    accession: str
    title: str
    publications: int  # distinct DOIs
    findings: int  # published findings (with or without a DOI)
    results_returned: int  # of those, how many say how results went back


def _sql(vendor: str) -> str:
    findings, grants, datasets = (
        Findings._meta.db_table,
        Grant._meta.db_table,
        Dataset._meta.db_table,
    )
    if vendor == "postgresql":
        dois = "LEFT JOIN LATERAL jsonb_array_elements_text(f.dois) AS d(doi) ON TRUE"
        doi = "d.doi"
    else:
        dois = "LEFT JOIN json_each(f.dois) AS d"
        doi = "d.value"
    return f"""
        SELECT s.accession, s.title, COUNT(DISTINCT {doi}) AS publications,
               COUNT(DISTINCT f.id) AS findings,
               COUNT(DISTINCT CASE WHEN f.return_of_results <> '' THEN f.id END) AS returned
        FROM {findings} f
        JOIN {grants} g ON g.id = f.grant_id
        JOIN {datasets} s ON s.id = g.dataset_id
        {dois}
        WHERE f.status = %s
        GROUP BY s.id, s.accession, s.title
        ORDER BY publications DESC, findings DESC, s.accession
        LIMIT %s
    """  # noqa: S608 (built from the models' table names and two constant fragments)


def publications_per_dataset(limit: int = SHOWN) -> list[DatasetPublications]:
    """The datasets with published findings, most publications first (at most `limit`)."""
    # A public read: it goes where the router sends public reads (a replica, when set).
    connection = connections[router.db_for_read(Findings)]
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection.vendor), [FindingsStatus.PUBLISHED.value, limit])
        return [DatasetPublications(*row) for row in cursor.fetchall()]
