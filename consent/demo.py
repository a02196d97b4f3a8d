"""Demo studies, datasets and consent scopes (needs accounts.demo first).

Only the built-in vocabulary is needed (it is loaded here when absent). The access
requests demo and tests refer to these datasets by accession:

| accession  | study      | consent scope (current)             | note                        |
|------------|------------|-------------------------------------|-----------------------------|
| DACD000001 | DACS000001 | NRES                                | open use                    |
| DACD000002 | DACS000001 | GRU + NCU, PUB                      | non-commercial              |
| DACD000003 | DACS000001 | HMB + IRB, NPU                      | not-for-profit orgs only    |
| DACD000004 | DACS000002 | DS DOID:162 cancer + NCU, IRB, NMDS | DOID:1612 breast cancer fits|
| DACD000005 | DACS000003 | POA + GS (region "Africa")          | GS: always needs_review     |
| DACD000006 | DACS000002 | DS DOID:9351 diabetes + PUB, GSO    | v1 was HMB + PUB; v2 current|
| DACD000007 | DACS000003 | none yet                            | needs_review (NO_SCOPE)     |

All belong to the demo committee (genomics-dac); steward1 stewards them.

steward1 has also uploaded a catalogue file on the import page (/steward/import/): checked,
not imported, with one dataset to register, one to change and one row refused for an
unknown consent code, so the report shows each kind.
"""

from __future__ import annotations

from typing import Any

from consent import catalogue_upload, services
from consent.models import CatalogueUpload, ConsentScope, Dataset, Study
from consent.ontology import ensure_builtin

STUDIES = [
    (
        "DACS000001",
        "East African Genome Cohort",
        "Whole-genome sequences and health questionnaires from adult volunteers in three "
        "East African countries.",
    ),
    (
        "DACS000002",
        "Cancer and Metabolic Disease Biobank",
        "Tumour and germline sequencing with clinical follow-up from hospital patients.",
    ),
    (
        "DACS000003",
        "Population Origins Reference Panel",
        "Genotypes of self-identified population groups for ancestry research.",
    ),
]

# accession, study, title, participants, data types, scope versions [(data_use, note)]
DATASETS: list[tuple[str, str, str, int, list[str], list[tuple[dict[str, Any], str]]]] = [
    (
        "DACD000001",
        "DACS000001",
        "Cohort summary genotypes",
        1200,
        ["genotypes"],
        [({"permission": "NRES"}, "Participants consented to unrestricted use.")],
    ),
    (
        "DACD000002",
        "DACS000001",
        "Cohort whole genomes",
        1200,
        ["whole genome sequence", "questionnaire"],
        [({"permission": "GRU", "modifiers": ["NCU", "PUB"]}, "Consent form v2.")],
    ),
    (
        "DACD000003",
        "DACS000001",
        "Cohort clinical measurements",
        980,
        ["phenotypes", "laboratory results"],
        [({"permission": "HMB", "modifiers": ["IRB", "NPU"]}, "Consent form v2.")],
    ),
    (
        "DACD000004",
        "DACS000002",
        "Tumour and germline exomes",
        640,
        ["whole exome sequence", "clinical"],
        [
            (
                {
                    "permission": "DS",
                    "diseases": ["DOID:162"],
                    "modifiers": ["NCU", "IRB", "NMDS"],
                },
                "Cancer research only.",
            )
        ],
    ),
    (
        "DACD000005",
        "DACS000003",
        "Reference panel genotypes",
        3100,
        ["genotypes"],
        [
            (
                {"permission": "POA", "modifiers": [{"code": "GS", "region": "Africa"}]},
                "Use within Africa only.",
            )
        ],
    ),
    (
        "DACD000006",
        "DACS000002",
        "Diabetes clinic genomes",
        410,
        ["whole genome sequence", "clinical"],
        [
            ({"permission": "HMB", "modifiers": ["PUB"]}, "Initial registration."),
            (
                {"permission": "DS", "diseases": ["DOID:9351"], "modifiers": ["PUB", "GSO"]},
                "Consent form re-read: diabetes research, genetic studies only.",
            ),
        ],
    ),
    ("DACD000007", "DACS000003", "Reference panel phenotypes", 3100, ["phenotypes"], []),
]


DEMO_UPLOAD = (
    "accession,title,study,permission,modifiers,diseases,participant_count\n"
    "DACD000301,Hypertension follow-up genomes,DACS000001,HMB,NCU,,850\n"
    "DACD000001,Volunteer genomes (release 2),DACS000001,NRES,,,1200\n"
    "DACD000302,Sickle cell exomes,DACS000001,XYZ,,,300\n"
)


def seed(ctx: dict[str, Any]) -> None:
    ensure_builtin()
    steward = ctx["users"]["steward1"]
    committee = ctx["committee"]
    studies: dict[str, Study] = {}
    for accession, title, description in STUDIES:
        study = Study.objects.filter(accession=accession).first()
        if study is None:
            study = services.study_create(
                accession=accession,
                title=title,
                description=description,
                committee=committee,
                actor=steward,
            )
        studies[accession] = study
    datasets: dict[str, Dataset] = {}
    for accession, study_acc, title, participants, data_types, versions in DATASETS:
        dataset = Dataset.objects.filter(accession=accession).first()
        if dataset is None:
            dataset = services.dataset_create(
                accession=accession,
                study=studies[study_acc],
                title=title,
                description=f"{title} from the {studies[study_acc].title}.",
                participant_count=participants,
                data_types=data_types,
                actor=steward,
            )
        have = ConsentScope.objects.filter(dataset=dataset).count()
        for data_use, note in versions[have:]:
            services.consent_scope_create(
                dataset=dataset, data_use=data_use, note=note, actor=steward
            )
        datasets[accession] = dataset
    ctx.update({"studies": studies, "datasets": datasets})
    if not CatalogueUpload.objects.filter(uploaded_by=steward).exists():
        catalogue_upload.catalogue_upload_check(
            actor=steward, filename="new-cohort-datasets.csv", content=DEMO_UPLOAD.encode()
        )
