"""`vadesk lane add|edit --waiting`: lanes whose cards' turnaround clocks pause."""

from __future__ import annotations

import json

from tests.cli.conftest import Run, one_line


def lanes(run: Run) -> dict[str, dict[str, object]]:
    return {x["name"]: x for x in json.loads(run("lane", "list", "--json").stdout)}


def test_the_default_waiting_lane_and_marking_others(run: Run) -> None:
    added = json.loads(run("lane", "add", "On hold", "--waiting", "--json").stdout)
    assert (added["name"], added["waiting"]) == ("On hold", True)
    before = lanes(run)
    assert before["Waiting on client"]["waiting"] is True
    assert before["Low"]["waiting"] is False
    run("card", "add", "x", "--lane", "Low")
    result = run("lane", "edit", "low", "--waiting")
    assert result.stdout == "1 card clock(s) paused.\n"
    edited = json.loads(run("lane", "edit", "Low", "--no-waiting", "--json").stdout)
    assert (edited["name"], edited["waiting"]) == ("Low", False)
    assert lanes(run)["On hold"]["waiting"] is True
    listed = {line.split()[1]: line for line in run("lane", "list").stdout.splitlines()}
    assert listed["Waiting"].endswith("  waiting") and listed["On"].endswith("  waiting")
    assert not listed["Low"].endswith("waiting")


def test_done_cannot_become_a_waiting_lane(run: Run) -> None:
    result = run("lane", "edit", "Done", "--waiting", ok=False)
    assert result.exit_code == 1
    assert one_line(result) == (
        "Error: A Done lane cannot be a waiting lane: done cards wait on nobody."
    )
