"""The per-test table printed on the terminal after grading."""
import textwrap


def render(results, width=100):
    rows = [("#", "test", "score", "")]
    for test in results["tests"]:
        mark = "ok" if test["status"] == "passed" else "FAIL"
        rows.append((test["number"], test["name"], f"{test['score']:g}/{test['max_score']:g}", mark))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    widths[1] = min(widths[1], width - 30)
    lines = []
    for row in rows:
        name = row[1] if len(row[1]) <= widths[1] else row[1][:widths[1] - 1] + "…"
        lines.append(f"{row[0]:<{widths[0]}}  {name:<{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]}")
    for test in results["tests"]:
        if test["status"] != "passed":
            lines.append(f"  {test['number']} {textwrap.shorten(failure(test['output']), width, placeholder=' …')}")
    total = sum(t["max_score"] for t in results["tests"])
    lines.append(f"Total: {results['score']:g} / {total:g}")
    return "\n".join(lines)


def failure(output):
    """The line of a failed test's output that says what failed: its first failed part, or
    else its first line that is not the list of parts that passed."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    return next((line for line in lines if line.startswith("failed")),
                next((line for line in lines if not line.startswith("passed:")), ""))
