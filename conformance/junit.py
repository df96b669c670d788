"""A conformance :class:`~sealmail.conformance.framework.Report` as JUnit XML, for CI test-report viewers.

One ``testcase`` per requirement (its id as the name, MUST/SHOULD as the class name); a failed requirement
carries a ``failure`` with the evidence, one not evaluated a ``skipped``. Built with the standard library's
ElementTree, so every value is escaped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .framework import Report


def report_to_junit(report: Report) -> str:
    """The report as a JUnit XML document (``testsuites`` with one ``testsuite``)."""
    counts = report.to_json()
    suites = ET.Element("testsuites")
    suite = ET.SubElement(suites, "testsuite", {
        "name": f"sealmail conformance {report.provider_id}",
        "tests": str(len(report.results)),
        "failures": str(counts["failed"]),
        "skipped": str(counts["not_evaluated"]),
        "errors": "0",
    })
    for result in report.results:
        case = ET.SubElement(suite, "testcase", {
            "classname": f"{report.provider_id}.{result.requirement.severity}",
            "name": result.requirement.id,
        })
        if result.passed is False:
            failure = ET.SubElement(case, "failure", {"message": result.requirement.statement})
            failure.text = result.evidence
        elif result.passed is None:
            ET.SubElement(case, "skipped", {"message": result.evidence})
        else:
            ET.SubElement(case, "system-out").text = result.evidence
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
