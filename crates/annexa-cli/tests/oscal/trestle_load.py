"""Load annexa's OSCAL documents with compliance-trestle's model classes.

Usage: python trestle_load.py AR.json SSP.json POAM.json COMPONENT.json

Each file is read with the model class of its kind (`oscal_read`, which validates it against
trestle's pydantic models of OSCAL 1.2.x) and re-serialised. Prints one line per document and
exits non-zero on the first that does not load.
"""

import pathlib
import sys

import trestle
from trestle.oscal import OSCAL_VERSION
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.component import ComponentDefinition
from trestle.oscal.poam import PlanOfActionAndMilestones
from trestle.oscal.ssp import SystemSecurityPlan

CLASSES = [AssessmentResults, SystemSecurityPlan, PlanOfActionAndMilestones, ComponentDefinition]


def unwrap(value):
    """The plain value inside trestle's (nested) root models."""
    while hasattr(value, "root"):
        value = value.root
    return value


def main() -> int:
    paths = sys.argv[1:]
    if len(paths) != len(CLASSES):
        print(f"expected {len(CLASSES)} paths", file=sys.stderr)
        return 2
    print(f"compliance-trestle {trestle.__version__}, OSCAL {OSCAL_VERSION}")
    for cls, path in zip(CLASSES, paths):
        try:
            doc = cls.oscal_read(pathlib.Path(path))
        except Exception as e:  # noqa: BLE001 - report whatever trestle raises
            print(f"{cls.__name__} {path}: {e}", file=sys.stderr)
            return 1
        if doc is None:
            print(f"{cls.__name__} {path}: not read", file=sys.stderr)
            return 1
        version = unwrap(doc.metadata.oscal_version)
        if version != "1.2.1":
            print(f"{cls.__name__} {path}: oscal-version {version}", file=sys.stderr)
            return 1
        doc.oscal_serialize_json_bytes()
        print(f"{cls.__name__} {doc.uuid} loaded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
