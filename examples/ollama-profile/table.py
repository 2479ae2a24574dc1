#!/usr/bin/python3
"""Prints README.md's verdict table from a run of the profile:

    oac check --client '/usr/bin/python3 examples/ollama-profile/profile.py' \\
        --baseline examples/ollama-profile/expected-failures.json --report-dir /tmp/ollama-profile
    /usr/bin/python3 examples/ollama-profile/table.py /tmp/ollama-profile/results.json

One row per check a scenario is about (its expect.checks in specs/scenarios/) and per check that did not
pass. "Why" is the baseline's reason for a failure, and otherwise what Ollama's client did (its exit code
and error line), so the table says in Ollama's own words how each check was met.
"""
import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def cell(text):
    return " ".join(str(text).split()).replace("|", "\\|")


def stable(text):
    """Run-specific values out: the temporary HOME and the harness's random ports."""
    text = re.sub(r"\S*/oac-home-[A-Za-z0-9_]+", "$HOME", text)
    return re.sub(r"(127\.0\.0\.1|localhost):[0-9]+", r"\1:<port>", text)


def what_ollama_did(result):
    code = result.get("exitCode")
    if code == 0:
        return "exit 0, printed the body"
    err = stable((result.get("stderr") or "").strip().split("\n")[0])
    if len(err) > 160:
        err = err[:160] + "…"
    return "exit %s: `%s`" % (code, err) if err else "exit %s" % code


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: table.py <results.json of a run with the baseline>\n")
        return 2
    results = json.load(open(argv[1]))
    baseline = json.load(open(os.path.join(HERE, "expected-failures.json")))
    reasons = {(e["scenario"], e["check"]): e["reason"] for e in baseline["expectedFailures"]}
    listed = {}
    for path in glob.glob(os.path.join(ROOT, "specs", "scenarios", "*.json")):
        scenario = json.load(open(path))
        listed[scenario["id"]] = scenario["expect"]["checks"]
    rows = ["| scenario | check | level | verdict | why |", "|---|---|---|---|---|"]
    for result in results["scenarios"]:
        for v in result["verdicts"]:
            if v["check"] not in listed.get(result["id"], []) and v["verdict"] == "pass":
                continue
            verdict = v["verdict"] + (" (expected)" if v.get("expectedFailure") else "")
            why = reasons.get((result["id"], v["check"])) or what_ollama_did(result)
            rows.append("| %s | %s | %s | %s | %s |" % (result["id"], v["check"], v.get("level", ""), verdict, cell(why)))
    s = results["summary"]
    rows.append("")
    rows.append("%d scenarios, %d checks: %d pass, %d fail, %d non-strict, %d skip, %d error; %d expected failures, %d unexpected passes."
                % (s["scenarios"], s["total"], s["pass"], s["fail"], s["non-strict"], s["skip"], s["error"],
                   sum(1 for r in results["scenarios"] for v in r["verdicts"] if v.get("expectedFailure")),
                   len(results.get("unexpectedPasses") or [])))
    sys.stdout.write("\n".join(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
