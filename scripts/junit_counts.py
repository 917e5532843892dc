#!/usr/bin/env python3
"""Print "PASSED FAILED SKIPPED" summed over pytest JUnit XML reports.

    python3 scripts/junit_counts.py var/log/pytest-fast.xml [...]

A missing or unreadable report counts as nothing.  Errors count as failures.
"""

import sys
import xml.etree.ElementTree as ET


def counts(path):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return 0, 0, 0
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    passed = failed = skipped = 0
    for suite in suites:
        tests = int(suite.get("tests", 0))
        bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skip = int(suite.get("skipped", 0))
        passed += max(tests - bad - skip, 0)
        failed += bad
        skipped += skip
    return passed, failed, skipped


def main(paths):
    total = [0, 0, 0]
    for path in paths:
        for i, n in enumerate(counts(path)):
            total[i] += n
    print(*total)


if __name__ == "__main__":
    main(sys.argv[1:])
